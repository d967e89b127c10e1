import CameraCapture
import Foundation

/// The PGM frames the OpenCV oracle writes, read with CameraCapture's parser.
enum PGMFile {
    static func read(_ path: String) throws -> GrayImage {
        try PortableGrayMap.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}

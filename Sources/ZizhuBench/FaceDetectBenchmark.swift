import ArgumentParser
import CameraCapture
import Foundation
import Glibc
#if canImport(CoreFoundation)
import CoreFoundation // where Foundation on Linux declares `timespec` as this module sees it
#endif
import Liveness

/// Face + eyes detection per 640×480 frame at the kiosk's settings, single thread: the Swift
/// `FaceFinder` beside OpenCV 4.6's `CascadeClassifier` (`cv2.setNumThreads(1)`) on the same
/// frames and the same Debian cascades, in the same run. Rounds alternate the two sides so a
/// burst of load on the shared machine hits both.
struct FaceDetectBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "face-detect",
        abstract: "Time face + eyes detection in Swift and in OpenCV on the same 640×480 frames.")

    @Option(help: "Timed detections per frame, per side, per round.")
    var iterations = 20

    @Option(help: "Rounds; each runs OpenCV and then Swift on every frame.")
    var rounds = 3

    @Option(help: "The OpenCV frame generator (writes the PGM test frames).")
    var oracle = "kiosk/lib/face_oracle.py"

    @Option(help: "The OpenCV timing script.")
    var opencv = "kiosk/bench/face_detect_opencv.py"

    @Option(help: "Folder with Debian's Haar cascades.")
    var cascades = HaarCascade.debianDirectory.path

    struct OpenCVFace: Decodable {
        let face: [Int]
        let eyes: [[Int]]
    }

    struct OpenCVFrame: Decodable {
        let frame: String
        let seconds: [Double]
        let cpuSeconds: [Double]
        let faces: [OpenCVFace]
    }

    func run() async throws {
        let frames = ["frame-a", "frame-b", "basketball1"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-bench-faces-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try python([oracle, directory.path, "--frames-only"])

        let loadStart = ContinuousClock.now
        let finder = try FaceFinder.loadDebianCascades(from: URL(fileURLWithPath: cascades))
        print("cascades loaded (alt2, eye, profile) in \((ContinuousClock.now - loadStart).seconds.ms) ms")
        var images: [String: GrayImage] = [:]
        for name in frames {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).pgm")))
            images[name] = try PortableGrayMap.parse(bytes)
        }

        var swiftSeconds: [String: [Double]] = [:], swiftCPU: [String: [Double]] = [:]
        var opencvSeconds: [String: [Double]] = [:], opencvCPU: [String: [Double]] = [:]
        for _ in 0..<rounds {
            let output = try python([opencv, directory.path, String(iterations)] + frames)
            for line in output.split(separator: "\n") {
                let row = try JSONDecoder().decode(OpenCVFrame.self, from: Data(line.utf8))
                opencvSeconds[row.frame, default: []] += row.seconds
                opencvCPU[row.frame, default: []] += row.cpuSeconds
                // The two sides must find the same thing, or the timing compares different work.
                let swift = Set(finder.find(in: images[row.frame]!).map { observation in
                    Self.key(observation.face, observation.eyes)
                })
                let opencv = Set(row.faces.map { found in
                    Self.key(Self.rectangle(found.face), found.eyes.map(Self.rectangle))
                })
                guard swift == opencv else {
                    throw ValidationError("\(row.frame): Swift found \(swift.sorted()), OpenCV \(opencv.sorted())")
                }
            }
            for name in frames {
                let image = images[name]!
                for _ in 0..<3 { _ = finder.find(in: image) }
                for _ in 0..<iterations {
                    let start = ContinuousClock.now
                    let cpuStart = Self.threadCPUSeconds()
                    _ = finder.find(in: image)
                    swiftCPU[name, default: []].append(Self.threadCPUSeconds() - cpuStart)
                    swiftSeconds[name, default: []].append((ContinuousClock.now - start).seconds)
                }
            }
        }

        print("medians per frame, wall clock and this thread's CPU time (ms)")
        print("frame         faces   Swift wall  OpenCV wall  ratio   Swift CPU  OpenCV CPU  ratio")
        var totals = [0.0, 0.0, 0.0, 0.0]
        for name in frames {
            let row = [Summary(swiftSeconds[name] ?? []).median, Summary(opencvSeconds[name] ?? []).median,
                       Summary(swiftCPU[name] ?? []).median, Summary(opencvCPU[name] ?? []).median]
            for index in 0..<4 { totals[index] += row[index] }
            let faces = finder.find(in: images[name]!)
            let label = "\(name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(faces.count)f\(faces.map(\.eyes.count).reduce(0, +))e"
            print("\(label)  \(row[0].ms.leftPadded(10))  \(row[1].ms.leftPadded(11))  \(String(format: "%.2f", row[0] / row[1]))  \(row[2].ms.leftPadded(10))  \(row[3].ms.leftPadded(10))  \(String(format: "%.2f", row[2] / row[3]))")
        }
        print("results agree with OpenCV on every frame (faces and eyes)")
        print("ratio swift/opencv (sum of per-frame medians): wall \(String(format: "%.2f", totals[0] / totals[1])), CPU \(String(format: "%.2f", totals[2] / totals[3]))")
    }

    /// CPU time of the calling thread: unlike wall time, it does not count the time other
    /// processes on this shared machine held the core.
    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func rectangle(_ values: [Int]) -> FaceRectangle {
        FaceRectangle(x: values[0], y: values[1], width: values[2], height: values[3])
    }

    /// A face and its eyes as one comparable string, eyes in a fixed order.
    static func key(_ face: FaceRectangle, _ eyes: [FaceRectangle]) -> String {
        "\(face) eyes \(eyes.map(\.description).sorted())"
    }

    private func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(arguments[0]) failed (are python3-opencv, opencv-data and python3-skimage installed?)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

import CameraCapture
import Foundation

/// A frontal face with the eyes found inside it, all in frame coordinates.
public struct FaceObservation: Hashable, Sendable {
    public let face: FaceRectangle
    public let eyes: [FaceRectangle]
}

/// A profile face and which way it looks in the frame: the profile cascade finds faces looking
/// towards the image's left; those looking right are found in the mirrored frame.
public struct ProfileObservation: Hashable, Sendable {
    public enum Facing: String, Sendable { case left, right }
    public let face: FaceRectangle
    public let facing: Facing
}

/// The kiosk's face detection: frontal faces (alt2), eyes within each face (haar_eye in the top
/// 60 % of the face box, liveness.md §4–5) and profile faces both ways for the head-turn action.
public struct FaceFinder: Sendable {
    public let faceDetector: CascadeDetector
    public let eyeDetector: CascadeDetector
    public let profileDetector: CascadeDetector?
    public var faceSettings: DetectionSettings
    public var eyeSettings: DetectionSettings
    public var profileSettings: DetectionSettings

    public init(face: HaarCascade, eye: HaarCascade, profile: HaarCascade?,
                faceSettings: DetectionSettings = .kioskFace, eyeSettings: DetectionSettings = .kioskEyes,
                profileSettings: DetectionSettings = .kioskProfile) {
        faceDetector = CascadeDetector(cascade: face)
        eyeDetector = CascadeDetector(cascade: eye)
        profileDetector = profile.map(CascadeDetector.init(cascade:))
        self.faceSettings = faceSettings
        self.eyeSettings = eyeSettings
        self.profileSettings = profileSettings
    }

    /// Loads alt2, haar_eye and the profile cascade from Debian's opencv-data.
    public static func loadDebianCascades(from directory: URL = HaarCascade.debianDirectory) throws(CascadeLoadError) -> FaceFinder {
        FaceFinder(face: try HaarCascade.load(.frontalFaceAlt2, from: directory),
                   eye: try HaarCascade.load(.eye, from: directory),
                   profile: try HaarCascade.load(.profileFace, from: directory))
    }

    /// Where eyes are searched: the face box's full width and top 60 % (`height * 3 / 5`).
    public static func eyeRegion(of face: FaceRectangle) -> FaceRectangle {
        FaceRectangle(x: face.x, y: face.y, width: face.width, height: face.height * 3 / 5)
    }

    /// Frontal faces, each with its eyes.
    public func find(in image: GrayImage) -> [FaceObservation] {
        faceDetector.detect(in: image, settings: faceSettings).map { face in
            FaceObservation(face: face, eyes: eyes(in: image, face: face))
        }
    }

    /// Eyes inside one face, in frame coordinates.
    public func eyes(in image: GrayImage, face: FaceRectangle) -> [FaceRectangle] {
        let region = FaceRectangle(x: 0, y: 0, width: image.width, height: image.height).intersection(Self.eyeRegion(of: face))
        guard !region.isEmpty else { return [] }
        return eyeDetector.detect(in: image.cropped(to: region), settings: eyeSettings).map { $0.offsetBy(dx: region.x, dy: region.y) }
    }

    /// Profile faces looking left (the cascade as is) and right (the mirrored frame, mapped back).
    public func profiles(in image: GrayImage) -> [ProfileObservation] {
        guard let profileDetector else { return [] }
        let left = profileDetector.detect(in: image, settings: profileSettings).map { ProfileObservation(face: $0, facing: .left) }
        let right = profileDetector.detect(in: image.mirrored(), settings: profileSettings).map { face in
            ProfileObservation(face: FaceRectangle(x: image.width - face.x - face.width, y: face.y, width: face.width, height: face.height), facing: .right)
        }
        return left + right
    }
}

import CameraCapture

/// What the liveness check needs from face detection: frontal faces with their eyes, and profile
/// faces when a head turn is being checked. ``FaceFinder`` (the OpenCV-exact cascades) is the real
/// one; ``FakeFaceObserver`` answers from a script for tests of the check's logic.
public protocol FaceObserving: Sendable {
    /// Frontal faces, each with the eyes found in its upper part, in frame coordinates.
    func find(in image: GrayImage) -> [FaceObservation]
    /// Profile faces and the way each looks in the frame. Slow (two full cascade passes), so the
    /// check asks only while a head turn is expected and no frontal face is visible.
    func profiles(in image: GrayImage) -> [ProfileObservation]
}

extension FaceFinder: FaceObserving {}

/// Scripted face detection for unit tests and the demo's canned scenes: the script reads the
/// frame (typically a marker pixel the test wrote) and says what a detector would have found.
public struct FakeFaceObserver: FaceObserving {
    private let frontal: @Sendable (GrayImage) -> [FaceObservation]
    private let profile: @Sendable (GrayImage) -> [ProfileObservation]

    public init(frontal: @escaping @Sendable (GrayImage) -> [FaceObservation],
                profile: @escaping @Sendable (GrayImage) -> [ProfileObservation] = { _ in [] }) {
        self.frontal = frontal
        self.profile = profile
    }

    public func find(in image: GrayImage) -> [FaceObservation] { frontal(image) }
    public func profiles(in image: GrayImage) -> [ProfileObservation] { profile(image) }
}

import CameraCapture

/// A camera frame with everything the check needs to know about it: what the detector found, the
/// quality gates' verdict, its fingerprint and the mouth cue. Built by ``analyze(_:observer:lookForProfiles:thresholds:)``
/// (detector and pixel work) so that the state machine itself stays pure.
public struct AnalyzedFrame: Sendable {
    public let sequence: Int
    public let timestamp: Duration
    public let image: GrayImage
    /// The camera's own JPEG, if it sent one (colour evidence).
    public let jpeg: [UInt8]?
    public let faces: [FaceObservation]
    /// Profile faces, or nil when the check did not ask for them (they are slow).
    public let profiles: [ProfileObservation]?
    public let quality: QualityReport
    public let fingerprint: UInt64
    /// For a single frontal face: the fraction of dark pixels in its mouth region (see ``MouthCue``).
    public let mouthDarkness: Double?

    public init(frame: CameraFrame, faces: [FaceObservation], profiles: [ProfileObservation]?,
                thresholds: QualityThresholds = QualityThresholds()) {
        sequence = frame.sequence
        timestamp = frame.timestamp
        image = frame.image
        jpeg = frame.jpeg
        self.faces = faces
        self.profiles = profiles
        quality = QualityGates.assess(frame.image, faces: faces, thresholds: thresholds)
        fingerprint = ImageMeasures.fingerprint(frame.image)
        mouthDarkness = faces.count == 1 ? MouthCue.darkness(frame.image, face: faces[0].face) : nil
    }

    /// Runs detection on a frame. Profiles are searched only if asked and no frontal face is
    /// visible, on the frame at half size (a turned head at kiosk distance is still ≥ 160 px,
    /// and the two profile passes cost 4× less).
    public static func analyze(_ frame: CameraFrame, observer: some FaceObserving, lookForProfiles: Bool,
                               thresholds: QualityThresholds = QualityThresholds()) -> AnalyzedFrame {
        let faces = observer.find(in: frame.image)
        var profiles: [ProfileObservation]?
        if lookForProfiles, faces.isEmpty {
            let half = halved(frame.image)
            profiles = observer.profiles(in: half).map { profile in
                let box = profile.face
                return ProfileObservation(face: FaceRectangle(x: box.x * 2, y: box.y * 2, width: box.width * 2, height: box.height * 2),
                                          facing: profile.facing)
            }
        }
        return AnalyzedFrame(frame: frame, faces: faces, profiles: profiles, thresholds: thresholds)
    }

    /// 2×2 box average (the exact-2× case of OpenCV's resize, `(a+b+c+d+2)>>2`).
    static func halved(_ image: GrayImage) -> GrayImage {
        let width = image.width / 2, height = image.height / 2
        guard width > 0, height > 0 else { return image }
        var out = [UInt8](repeating: 0, count: width * height)
        image.pixels.withUnsafeBufferPointer { source in
            for y in 0..<height {
                let top = 2 * y * image.width, bottom = top + image.width
                for x in 0..<width {
                    let sum = Int(source[top + 2 * x]) + Int(source[top + 2 * x + 1]) + Int(source[bottom + 2 * x]) + Int(source[bottom + 2 * x + 1])
                    out[y * width + x] = UInt8((sum + 2) >> 2)
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }
}

/// The open-mouth cue, and why it is only a cue.
///
/// There is no mouth cascade that is both shipped and reliable (haarcascade_smile fires on closed
/// smiles and misses open mouths), and the only landmark model that sees lips is licensed for
/// non-commercial use (liveness.md §1.1). What a Haar face box does give is a stable frame of
/// reference: the mouth lies in the lower middle of the box. An opened mouth puts a dark cavity
/// there, so the fraction of that region darker than half the face's mean grey rises. The
/// challenge compares it with the lowest value seen in the same window while the face box stays
/// put (so moving or turning does not count). It is weak: a beard, a moustache or a shadow moves
/// the baseline, and a photo with a cut-out mouth passes. Like every cue here it is evidence for
/// staff review, not a decision.
public enum MouthCue {
    /// The mouth region as fractions of the face box: the middle 40 % of the width and the band
    /// from 68 % to 95 % of the height (alt2 boxes end just below the lower lip).
    public static func region(of face: FaceRectangle) -> FaceRectangle {
        FaceRectangle(x: face.x + face.width * 3 / 10, y: face.y + face.height * 68 / 100,
                      width: face.width * 4 / 10, height: face.height * 27 / 100)
    }

    public static func darkness(_ image: GrayImage, face: FaceRectangle) -> Double {
        let faceMean = ImageMeasures.meanAndDeviation(image, in: face).mean
        return ImageMeasures.darkFraction(image, in: region(of: face), below: faceMean * 0.5)
    }
}

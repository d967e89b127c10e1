@testable import CameraCapture
@testable import Liveness
import TestSupport

/// Synthetic frames for the pure state-machine tests: seeded sensor noise (so no two frames are
/// the same, as from a live camera) with detections given directly, as the fake detector would.
enum Scene {
    static let width = 640, height = 480
    /// The positioned face: 220 px wide, centred.
    static let centred = FaceRectangle(x: 210, y: 130, width: 220, height: 220)
    static let eyes = [FaceRectangle(x: 240, y: 180, width: 50, height: 50), FaceRectangle(x: 350, y: 180, width: 50, height: 50)]

    /// A noisy mid-grey frame (values 90…230: bright enough, contrasty, sharp), optionally with
    /// the mouth region of `mouthOpenIn` painted dark, or everything scaled down to `brightness`.
    static func image(seed: Int, mouthOpenIn face: FaceRectangle? = nil, brightness: Double = 1) -> GrayImage {
        var generator = SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9 &+ 17)
        var pixels = (0..<(width * height)).map { _ in UInt8(Double(90 + Int(generator.next() % 141)) * brightness) }
        if let face {
            let mouth = MouthCue.region(of: face)
            for y in mouth.y..<mouth.maxY {
                for x in (mouth.x + mouth.width / 6)..<(mouth.maxX - mouth.width / 6) { pixels[y * width + x] = 15 }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    static func face(_ box: FaceRectangle = centred, eyesOpen: Bool = true) -> FaceObservation {
        let dx = box.x - centred.x, dy = box.y - centred.y
        let scale = Double(box.width) / Double(centred.width)
        let eyes = eyesOpen ? Self.eyes.map {
            FaceRectangle(x: box.x + Int(Double($0.x - centred.x) * scale), y: box.y + Int(Double($0.y - centred.y) * scale),
                          width: Int(Double($0.width) * scale), height: Int(Double($0.height) * scale))
        } : []
        _ = (dx, dy)
        return FaceObservation(face: box, eyes: eyes)
    }

    static func shifted(_ dx: Int) -> FaceRectangle { FaceRectangle(x: centred.x + dx, y: centred.y, width: centred.width, height: centred.height) }
    static func scaled(_ factor: Double) -> FaceRectangle {
        let side = Int(Double(centred.width) * factor)
        return FaceRectangle(x: width / 2 - side / 2, y: height / 2 - side / 2, width: side, height: side)
    }
}

/// Feeds a model messages and keeps what it asked for, the way the runner would.
struct CheckDriver {
    var model: LivenessCheck.Model
    var spoken: [String] = []
    var submitted: ChallengeRecord?
    var cameraStopped = false
    var time = Duration.zero
    var frameIndex = 0
    /// 15 fps.
    let interval = Duration.milliseconds(66)

    init(actions: [ChallengeAction], configuration: ChallengeConfiguration = ChallengeConfiguration()) {
        model = LivenessCheck.Model(plan: ChallengePlan(actions: actions, nonce: "307512"), configuration: configuration)
    }

    mutating func send(_ message: LivenessCheck.Message) {
        let (next, effects) = LivenessCheck.update(model, message)
        model = next
        for effect in effects {
            switch effect {
            case .speak(let text): spoken.append(text)
            case .submit(let record): submitted = record
            case .stopCamera: cameraStopped = true
            }
        }
    }

    /// One frame showing `faces` (and profiles when searched), 66 ms after the previous one.
    mutating func show(_ faces: [FaceObservation], profiles: [ProfileObservation]? = nil, image: GrayImage? = nil, seed: Int? = nil) {
        time += interval
        frameIndex += 1
        let picture = image ?? Scene.image(seed: seed ?? frameIndex)
        let frame = CameraFrame(sequence: frameIndex, timestamp: time, image: picture)
        send(.frame(AnalyzedFrame(frame: frame, faces: faces, profiles: model.wantsProfiles && faces.isEmpty ? (profiles ?? []) : nil,
                                  thresholds: model.configuration.quality)))
    }

    mutating func show(_ face: FaceObservation, count: Int = 1) {
        for _ in 0..<count { show([face]) }
    }

    /// Start, hold still until the first prompt, and hear it out.
    mutating func startAndPosition() {
        send(.start(at: time))
        var frames = 0
        while case .positioning = model.phase, frames < 30 {
            show(Scene.face())
            frames += 1
        }
        speakPrompt()
    }

    mutating func speakPrompt() {
        time += .milliseconds(1500)
        send(.promptSpoken(at: time))
    }

    var phaseName: String {
        switch model.phase {
        case .ready: return "ready"
        case .positioning: return "positioning"
        case .prompting(let step): return "prompting \(step)"
        case .acting(let step, _, _): return "acting \(step)"
        case .submitted: return "submitted"
        case .fallback(let reason): return "fallback \(reason)"
        }
    }
}

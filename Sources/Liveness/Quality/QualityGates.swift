import CameraCapture
import KioskCore

/// Why a frame is not good enough to use, in the order the citizen should fix things. Each has
/// one plain instruction (spoken and shown in large type); the wire name goes in the challenge log
/// and the hub's `quality_flags`.
public enum QualityIssue: String, Codable, Sendable, CaseIterable {
    /// The feed repeats a frame it showed before: frozen, injected or a recording in a loop.
    case repeatedFrame = "repeated_frame"
    /// The whole frame is one flat colour: the lens is covered (or the camera sends black).
    case flatFrame = "flat_frame"
    case tooDark = "too_dark"
    case tooBright = "too_bright"
    case noFace = "no_face"
    case multipleFaces = "multiple_faces"
    case faceTooSmall = "face_too_small"
    case faceTooLarge = "face_too_large"
    case offCentre = "off_centre"
    /// The face has little contrast: usually strong light behind the citizen.
    case lowContrast = "low_contrast"
    case blurry = "blurry"

    /// What the kiosk says to the citizen: short, plain words an elderly person can follow.
    public var instruction: String {
        switch self {
        case .repeatedFrame: return "摄像头画面异常，请找工作人员帮忙"
        case .flatFrame: return "看不到画面，请不要挡住摄像头"
        case .tooDark: return "光线太暗，请站到亮一点的地方"
        case .tooBright: return "光线太亮，请避开强光"
        case .noFace: return "请把脸对准屏幕"
        case .multipleFaces: return "只能一个人，请其他人稍微让开"
        case .faceTooSmall: return "请靠近一点"
        case .faceTooLarge: return "请往后退一点"
        case .offCentre: return "请正对屏幕，站在屏幕中间"
        case .lowContrast: return "脸部太暗，请背对强光站好"
        case .blurry: return "请保持不动"
        }
    }

    /// Who can fix it: the citizen for everything about standing and light, a technician when
    /// the feed itself is wrong.
    public var responsibleParty: ResponsibleParty {
        self == .repeatedFrame ? .technician : .citizen
    }
}

/// The limits a frame must meet. Starting points from liveness.md §5, meant to be tuned on site
/// (and server-configurable later), not constants of nature.
public struct QualityThresholds: Codable, Sendable, Equatable {
    /// Face box width as a fraction of the frame width. 0.28 × 640 ≈ 180 px: ISO/IEC 19794-5's
    /// head width for an inter-eye distance of about 90 px (eye distance ≈ 0.47 × box width).
    public var minimumFaceWidth = 0.28
    public var maximumFaceWidth = 0.75
    /// How far the face centre may sit from the frame centre, per axis, as a fraction of the frame size.
    public var maximumCentreOffset = 0.18
    /// Mean grey of the face crop.
    public var faceBrightness = 70.0...205.0
    /// Standard deviation of the face crop.
    public var minimumFaceContrast = 25.0
    /// Variance of the Laplacian on the face crop at 128×128 (a sharp face scores 130–190, σ 1.5 blur ≈ 11).
    public var minimumSharpness = 40.0
    /// Whole-frame standard deviation below this is a flat frame.
    public var flatFrameDeviation = 5.0
    /// Whole-frame mean below which a frame without a face is "too dark" rather than "no face".
    public var darkFrameMean = 45.0
    /// Whole-frame mean above which a frame without a face is "too bright".
    public var brightFrameMean = 235.0

    public init() {}
}

/// What the gates measured on one frame (for the challenge log and for tuning).
public struct QualityMeasures: Codable, Sendable, Equatable {
    public var frameMean: Double
    public var frameDeviation: Double
    public var faceCount: Int
    /// The rest describe the single face, when there is exactly one.
    public var faceWidthFraction: Double?
    public var centreOffset: Double?
    public var faceBrightness: Double?
    public var faceContrast: Double?
    public var sharpness: Double?
}

/// The verdict on one frame: every issue found, most urgent first.
public struct QualityReport: Sendable, Equatable {
    public var issues: [QualityIssue]
    public var measures: QualityMeasures

    public var passed: Bool { issues.isEmpty }
    /// The one instruction to show and speak now (the most urgent issue), or nil when all is well.
    public var instruction: String? { issues.first?.instruction }
}

/// The capture quality gates: pure functions of a grey frame and the faces found in it.
public enum QualityGates {
    /// Assesses a frame. Repeated frames need history and are flagged by the check's model.
    public static func assess(_ image: GrayImage, faces: [FaceObservation], thresholds: QualityThresholds = QualityThresholds()) -> QualityReport {
        let frame = ImageMeasures.meanAndDeviation(image)
        var measures = QualityMeasures(frameMean: frame.mean, frameDeviation: frame.deviation, faceCount: faces.count)
        var issues: [QualityIssue] = []
        if frame.deviation < thresholds.flatFrameDeviation {
            issues.append(.flatFrame)
            return QualityReport(issues: issues, measures: measures)
        }
        guard faces.count == 1, let face = faces.first?.face else {
            if faces.isEmpty {
                // No face in a dark or glaring frame: the light is the thing to fix first.
                if frame.mean < thresholds.darkFrameMean { issues.append(.tooDark) }
                if frame.mean > thresholds.brightFrameMean { issues.append(.tooBright) }
                issues.append(.noFace)
            } else {
                issues.append(.multipleFaces)
            }
            return QualityReport(issues: issues, measures: measures)
        }
        let widthFraction = Double(face.width) / Double(image.width)
        let offset = max(abs(face.centreX - Double(image.width) / 2) / Double(image.width),
                         abs(face.centreY - Double(image.height) / 2) / Double(image.height))
        let crop = ImageMeasures.meanAndDeviation(image, in: face)
        let sharpness = ImageMeasures.faceSharpness(image, face: face)
        measures.faceWidthFraction = widthFraction
        measures.centreOffset = offset
        measures.faceBrightness = crop.mean
        measures.faceContrast = crop.deviation
        measures.sharpness = sharpness

        if crop.mean < thresholds.faceBrightness.lowerBound { issues.append(.tooDark) }
        if crop.mean > thresholds.faceBrightness.upperBound { issues.append(.tooBright) }
        if widthFraction < thresholds.minimumFaceWidth { issues.append(.faceTooSmall) }
        if widthFraction > thresholds.maximumFaceWidth { issues.append(.faceTooLarge) }
        if offset > thresholds.maximumCentreOffset { issues.append(.offCentre) }
        if crop.deviation < thresholds.minimumFaceContrast { issues.append(.lowContrast) }
        if sharpness < thresholds.minimumSharpness { issues.append(.blurry) }
        return QualityReport(issues: issues, measures: measures)
    }
}

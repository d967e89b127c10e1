import KioskCore

/// Why a cascade file could not be used. Cascades are part of the kiosk's installation (Debian's
/// opencv-data), so whatever the cause, a technician acts: reinstall the package or fix the path.
/// Face checks stay unavailable until then; card + PIN with staff review still works.
public enum CascadeLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be read (missing, permissions, a directory).
    case unreadable(path: String, reason: String)
    /// Not well-formed XML; line and column from the parser.
    case malformedXML(line: Int, column: Int, reason: String)
    /// Well-formed XML, but not an OpenCV storage with a cascade in it.
    case notACascade(String)
    /// A cascade OpenCV 4 only converts in memory (old Intel haartraining format) or a feature or
    /// stage type this evaluator does not implement (LBP, HOG, anything but BOOST).
    case unsupported(String)
    /// A required element is absent; the path names it (`cascade/stages/_[3]/stageThreshold`).
    case missingElement(String)
    /// An element holds text that is not the number (or list of numbers) it must be.
    case invalidNumber(path: String, text: String)
    /// The numbers are there but contradict each other: a feature index past the feature list, a
    /// rectangle outside the window, a tree whose children loop or leave it, counts that disagree.
    case inconsistent(path: String, reason: String)
    /// Beyond the limits a kiosk needs (window, stages, trees, file size), which keeps a hostile
    /// or corrupt file from costing memory or time.
    case tooLarge(String)

    /// Always the technician: the cascade files are installed software, not citizen input.
    public var responsibleParty: ResponsibleParty { .technician }

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cascade file \(path) unreadable: \(reason)"
        case .malformedXML(let line, let column, let reason): "cascade XML malformed at \(line):\(column): \(reason)"
        case .notACascade(let reason): "not an OpenCV cascade: \(reason)"
        case .unsupported(let reason): "unsupported cascade: \(reason)"
        case .missingElement(let path): "cascade element missing: \(path)"
        case .invalidNumber(let path, let text): "cascade element \(path) is not a valid number: \(text.prefix(40))"
        case .inconsistent(let path, let reason): "cascade inconsistent at \(path): \(reason)"
        case .tooLarge(let reason): "cascade too large: \(reason)"
        }
    }
}

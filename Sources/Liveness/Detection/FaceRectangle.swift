/// An axis-aligned rectangle in pixel coordinates, as OpenCV's `cv::Rect` (integer origin and size).
public struct FaceRectangle: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var area: Int { width * height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    /// Centre in pixels (may be half-integral).
    public var centreX: Double { Double(x) + Double(width) / 2 }
    public var centreY: Double { Double(y) + Double(height) / 2 }

    /// The overlap with `other` (`cv::Rect::operator&`); empty (0×0 at the origin) when they do not meet.
    public func intersection(_ other: FaceRectangle) -> FaceRectangle {
        let left = max(x, other.x), top = max(y, other.y)
        let right = min(maxX, other.maxX), bottom = min(maxY, other.maxY)
        guard right > left, bottom > top else { return FaceRectangle(x: 0, y: 0, width: 0, height: 0) }
        return FaceRectangle(x: left, y: top, width: right - left, height: bottom - top)
    }

    public func offsetBy(dx: Int, dy: Int) -> FaceRectangle {
        FaceRectangle(x: x + dx, y: y + dy, width: width, height: height)
    }

    public var description: String { "(\(x),\(y) \(width)×\(height))" }
}

/// A width and height in pixels (OpenCV's `cv::Size`); `0×0` means "no limit" for a maximum size.
public struct PixelSize: Hashable, Sendable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public static let zero = PixelSize(width: 0, height: 0)
}

/// The parameters of `CascadeDetector.detect`, named as in OpenCV's `detectMultiScale`.
public struct DetectionSettings: Hashable, Sendable {
    /// Each scale is this much larger than the previous one (> 1).
    public var scaleFactor: Double
    /// A grouped detection needs more than this many raw candidates; 0 returns the raw candidates.
    public var minNeighbors: Int
    /// Windows smaller than this are not searched.
    public var minSize: PixelSize
    /// Windows larger than this are not searched; `.zero` means the image size.
    public var maxSize: PixelSize

    public init(scaleFactor: Double = 1.1, minNeighbors: Int = 3, minSize: PixelSize = .zero, maxSize: PixelSize = .zero) {
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
    }

    /// The kiosk's frontal face search on a 640×480 frame: the citizen stands close, so faces
    /// smaller than 80 px are people in the queue, not the citizen (liveness.md §3).
    public static let kioskFace = DetectionSettings(scaleFactor: 1.1, minNeighbors: 5, minSize: PixelSize(width: 80, height: 80))
    /// Eyes inside the upper part of a found face.
    public static let kioskEyes = DetectionSettings(scaleFactor: 1.1, minNeighbors: 3)
    /// Profile faces for the head-turn action (same distance as the frontal face).
    public static let kioskProfile = DetectionSettings(scaleFactor: 1.1, minNeighbors: 3, minSize: PixelSize(width: 80, height: 80))
}

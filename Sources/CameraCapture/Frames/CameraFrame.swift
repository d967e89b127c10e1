/// One frame from a camera (or a recording), as the liveness check consumes it.
public struct CameraFrame: Sendable {
    /// Counts frames from 0 since the source started; gaps mean frames the source dropped.
    public let sequence: Int
    /// When the frame was taken, on the source's monotonic clock, measured from its first frame.
    /// Never wall time: the check's timing windows must not jump with the clock.
    public let timestamp: Duration
    /// The luma the detector and the quality gates work on.
    public let image: GrayImage
    /// The camera's own JPEG when it delivered MJPEG (or the recording held JPEG files):
    /// colour evidence for staff without encoding again. `nil` for raw YUYV or PGM frames.
    public let jpeg: [UInt8]?

    public init(sequence: Int, timestamp: Duration, image: GrayImage, jpeg: [UInt8]? = nil) {
        self.sequence = sequence
        self.timestamp = timestamp
        self.image = image
        self.jpeg = jpeg
    }
}

import KioskCore

/// Where frames come from: a V4L2 camera (``V4L2Camera``), a recording played at a given rate
/// (``FileFrameSource``), or a script (``FakeFrameSource``) for tests of the code above it.
public protocol FrameSource: Sendable {
    /// The next frame, waiting at most `timeout` for it.
    /// - Throws: ``CameraError``: `.timeout` if none came in time, `.unplugged` if the camera
    ///   went away (the source is then closed), `.badFrame` for a frame that could not be
    ///   decoded (the source stays usable), `.ended` when a recording has no more frames.
    func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame
    /// Stops streaming and releases the device. Idempotent.
    func close() async
}

/// Why a camera gave no frame, as a value that says who must act.
public enum CameraError: Error, Equatable, Sendable {
    /// Nothing at the configured path (`/dev/video0` missing): the camera is not plugged in or the
    /// configuration names the wrong device.
    case deviceMissing(path: String)
    /// The path exists but is not a V4L2 capture device (`/dev/null`, a file, a metadata node).
    case notAVideoDevice(path: String, detail: String)
    /// The kiosk user may not open the device (not in group `video`).
    case permissionDenied(path: String)
    /// Another process holds the camera.
    case busy(path: String)
    /// The camera offers neither MJPEG nor YUYV at the size we need, or rejected the buffers.
    case unsupportedFormat(String)
    /// The camera disappeared while streaming (ENODEV/EIO): unplugged or its USB link reset.
    case unplugged(path: String)
    /// No frame arrived within the timeout.
    case timeout(Duration)
    /// A frame arrived but cannot be used (a corrupt JPEG, the wrong number of bytes). The next one may be fine.
    case badFrame(String)
    /// A recording (file source) has played all its frames.
    case ended
    /// Any other system call failure, with its name and errno.
    case systemCall(String, errno: Int32)

    /// Who has to do something next. A camera fault never blocks the citizen: the check offers
    /// card + PIN with staff review instead, and a technician fixes the camera.
    public var responsibleParty: ResponsibleParty { .technician }

    /// Does the source still produce frames after this error?
    public var isFatal: Bool {
        switch self {
        case .badFrame, .timeout: return false
        default: return true
        }
    }
}

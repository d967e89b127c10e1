import Glibc
import Logging

/// The two line formats journald and log shippers read well.
public enum LogLineFormat: String, Sendable, CaseIterable {
    /// `ts=… level=info label=zizhu.hub msg="listening" http.port=8080`
    case logfmt
    /// One JSON object per line, keys in a stable order.
    case json
}

/// A swift-log handler that writes one structured line per event to a file descriptor
/// (standard error by default, which systemd hands to journald).
///
/// It writes what it is given: personal data must already be masked by the caller, through
/// ``Logger/MetadataValue/citizenID(_:)`` and ``Logger/MetadataValue/personName(_:)``.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let format: LogLineFormat
    private let sink: LineSink
    private let clock: @Sendable () -> timespec

    /// - Parameters:
    ///   - label: the logger's label, written as `label`.
    ///   - format: logfmt or JSON lines.
    ///   - level: the lowest level written.
    ///   - sink: where lines go; standard error unless a test captures them.
    ///   - clock: wall-clock time for the `ts` field (injected so tests are repeatable).
    public init(
        label: String,
        format: LogLineFormat,
        level: Logger.Level = .info,
        sink: LineSink = .standardError,
        clock: @escaping @Sendable () -> timespec = { var now = timespec(); clock_gettime(CLOCK_REALTIME, &now); return now }
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.sink = sink
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var fields: [(String, String)] = []
        flatten(merged, prefix: "", into: &fields)
        fields.sort { $0.0 < $1.0 }
        let line = LogLineRenderer.render(
            format: format, timestamp: clock(), level: event.level, label: label,
            message: event.message.description, fields: fields)
        sink.write(line)
    }

    private func flatten(_ metadata: Logger.Metadata, prefix: String, into fields: inout [(String, String)]) {
        for (key, value) in metadata {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .string(let text): fields.append((name, text))
            case .stringConvertible(let convertible): fields.append((name, convertible.description))
            case .dictionary(let nested): flatten(nested, prefix: name, into: &fields)
            case .array(let items): fields.append((name, "[" + items.map(\.description).joined(separator: ",") + "]"))
            }
        }
    }
}

/// A destination for finished log lines. Each line is written with a single `write(2)`, so lines
/// from several threads never interleave.
public struct LineSink: Sendable {
    private let writeLine: @Sendable (String) -> Void

    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    public func write(_ line: String) { writeLine(line) }

    public static let standardError = LineSink.fileDescriptor(STDERR_FILENO)

    public static func fileDescriptor(_ descriptor: Int32) -> LineSink {
        LineSink { line in
            var bytes = Array((line + "\n").utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }   // a closed log pipe must never take the kiosk down
                offset += written
            }
            bytes.removeAll()
        }
    }
}

/// Renders one event as a logfmt or JSON line. Pure, so tests pin the exact bytes.
enum LogLineRenderer {
    static func render(
        format: LogLineFormat, timestamp: timespec, level: Logger.Level, label: String,
        message: String, fields: [(String, String)]
    ) -> String {
        let time = iso8601(timestamp)
        switch format {
        case .logfmt:
            var parts = ["ts=\(time)", "level=\(level.rawValue)", "label=\(logfmtValue(label))", "msg=\(logfmtValue(message))"]
            parts += fields.map { "\(logfmtKey($0.0))=\(logfmtValue($0.1))" }
            return parts.joined(separator: " ")
        case .json:
            var parts = ["\"ts\":\(jsonString(time))", "\"level\":\(jsonString(level.rawValue))",
                         "\"label\":\(jsonString(label))", "\"msg\":\(jsonString(message))"]
            parts += fields.map { "\(jsonString($0.0)):\(jsonString($0.1))" }
            return "{" + parts.joined(separator: ",") + "}"
        }
    }

    static func iso8601(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let millis = Int(time.tv_nsec / 1_000_000)
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1, 2))-\(pad(Int(parts.tm_mday), 2))"
            + "T\(pad(Int(parts.tm_hour), 2)):\(pad(Int(parts.tm_min), 2)):\(pad(Int(parts.tm_sec), 2)).\(pad(millis, 3))Z"
    }

    static func logfmtKey(_ key: String) -> String {
        String(key.unicodeScalars.map { $0 == " " || $0 == "=" || $0 == "\"" ? "_" : Character($0) })
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 }
        guard needsQuotes else { return value }
        return jsonString(value)
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

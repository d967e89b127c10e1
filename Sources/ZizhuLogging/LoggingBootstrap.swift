import Logging

/// Process-wide logging set-up for every Zizhu executable.
public enum LoggingBootstrap {
    /// Installs ``StructuredLogHandler`` as the process's log handler. Call once, first thing in `main`.
    public static func bootstrap(format: LogLineFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, format: format, level: level)
        }
    }
}

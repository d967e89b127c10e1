import Logging
import ZizhuLogging

/// Settings of one kiosk, read from `/etc/zizhu/kiosk.yaml` (or `--config`), then `ZIZHU_…`
/// environment variables. With no file every default applies, which is what the demo uses.
public struct KioskConfiguration: Sendable, Equatable {
    /// The street office's name, shown on the attract screen and printed on documents.
    public var office = "演示街道社区服务中心"
    /// The hub this kiosk syncs with.
    public var hubURL = "http://127.0.0.1:8080"
    /// PEM file of the CA that issued the hub's certificate, for an `https://` hub with the
    /// operator's own CA; `nil` trusts the system's CAs.
    public var hubCACertificate: String?
    /// The PC/SC reader to use, by name prefix; `nil` takes the first reader pcscd lists.
    public var cardReader: String?
    /// The CUPS server: a socket path or `host:port`; `nil` uses libcups's default (`CUPS_SERVER`, then /run/cups).
    public var cupsServer: String?
    /// The CUPS queue of the thermal receipt printer.
    public var receiptQueue = "zizhu-receipt"
    /// The assets folder: `services.yaml` and `texts/`.
    public var assetsDirectory = "/usr/share/zizhu/assets"
    /// Where the kiosk keeps its journal and keys.
    public var stateDirectory = "/var/lib/zizhu"
    /// Longest time face evidence stays on the kiosk when the hub has not acknowledged it.
    public var faceEvidenceRetentionHours = 72
    /// Size of the emergency ballast file beside the journal, in MiB (0: none).
    public var ballastMiB = 64
    public var logFormat: LogLineFormat = .logfmt
    public var logLevel: Logger.Level = .info
    /// How the screens are spoken: espeak-ng (Mandarin), or not at all (a silent test rig).
    public var speech: SpeechOutput = .espeak
    /// A file that receives every spoken line as well (tests and the demo read it).
    public var speechTranscript: String?
    /// Ask xterm for the larger font in large mode (xterm started by kiosk/lib/xterm-kiosk.sh).
    public var xtermFonts = false
    /// Seconds without input before the idle warning (accessibility A20: generous).
    public var idleSeconds = 90
    /// Seconds the idle warning counts down before the session ends (≥ 35: it must outlast its speech).
    public var idleWarningSeconds = 40
    /// The camera: a V4L2 device (`/dev/video0`) or a folder of JPEG/PGM frames played at 15 fps.
    public var cameraSource: String? = "/dev/video0"
    /// Use the fixed challenge plan a recorded frame folder was made for (the demo), not a random one.
    public var cameraDemoPlan = false

    public init() {}

    /// How screens are spoken.
    public enum SpeechOutput: String, CaseIterable, Sendable {
        case espeak, off
    }

    public static let schema = ConfigurationSchema<KioskConfiguration>(keys: [
        .text("kiosk.office", \.office, default: KioskConfiguration().office,
              summary: "The street office's name, shown on screen and printed on documents."),
        .httpURL("hub.url", \.hubURL, default: KioskConfiguration().hubURL,
                 summary: "Base URL of the zizhu-hub this kiosk syncs with."),
        .optionalText("hub.ca_certificate", \.hubCACertificate,
                      summary: "PEM file of the CA that issued the hub's certificate; empty trusts the system's CAs."),
        .optionalText("card.reader", \.cardReader,
                      summary: "PC/SC reader name prefix; empty takes the first reader pcscd lists."),
        .optionalText("printer.cups_server", \.cupsServer,
                      summary: "CUPS server socket path or host:port; empty uses the system's cupsd."),
        .text("printer.receipt_queue", \.receiptQueue, default: KioskConfiguration().receiptQueue,
              summary: "CUPS queue of the thermal receipt printer."),
        .text("ui.assets_directory", \.assetsDirectory, default: KioskConfiguration().assetsDirectory,
              summary: "Folder with services.yaml and texts/ (the repository's assets/ in the demo)."),
        .text("storage.state_directory", \.stateDirectory, default: KioskConfiguration().stateDirectory,
              summary: "Folder for the journal and the device keys (root-only)."),
        .integer("storage.face_evidence_retention_hours", \.faceEvidenceRetentionHours, range: 1...720,
                 default: KioskConfiguration().faceEvidenceRetentionHours,
                 summary: "Face evidence is deleted once the hub acknowledges it, and after this many hours in any case."),
        .integer("storage.ballast_mib", \.ballastMiB, range: 0...4096, default: KioskConfiguration().ballastMiB,
                 summary: "Emergency space (MiB) kept in a file beside the journal, released when the disk fills mid-service; 0 for none."),
        .choice("log.format", \.logFormat, default: .logfmt, summary: "Log line format on standard error."),
        .choice("log.level", \.logLevel, default: .info, summary: "Lowest level logged."),
        .choice("ui.speech", \.speech, default: .espeak, summary: "Speak every screen with espeak-ng (Mandarin), or off."),
        .optionalText("ui.speech_transcript", \.speechTranscript,
                      summary: "File that also receives every spoken line (tests, the demo); empty for none."),
        .flag("ui.xterm_fonts", \.xtermFonts, default: false,
              summary: "Large mode asks xterm for the 40 px font (xterm started by kiosk/lib/xterm-kiosk.sh)."),
        .integer("ui.idle_seconds", \.idleSeconds, range: 20...3600, default: 90,
                 summary: "Seconds without input before the spoken idle warning."),
        .optionalText("camera.source", \.cameraSource,
                      summary: "The camera: a V4L2 device such as /dev/video0, or a folder of JPEG/PGM frames (demo, tests); empty for none."),
        .flag("camera.demo_plan", \.cameraDemoPlan, default: false,
              summary: "Use the fixed challenge plan the demo's recorded frames were made for (never on a real kiosk)."),
        .integer("ui.idle_warning_seconds", \.idleWarningSeconds, range: 35...600, default: 40,
                 summary: "Seconds the idle warning counts down (with a 继续 button) before the session ends."),
    ])

    /// The file read when no `--config` is given, if it exists.
    public static let defaultPath = "/etc/zizhu/kiosk.yaml"

    /// Loads the kiosk's settings.
    /// - Parameters:
    ///   - path: an explicit file (must exist), or `nil` for ``defaultPath`` if present, else defaults.
    ///   - environment: the process environment, for `ZIZHU_…` overrides.
    public static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> KioskConfiguration {
        try ConfigurationLoader.load(schema: schema, defaults: KioskConfiguration(), path: path,
                                     defaultPath: defaultPath, environment: environment)
    }
}

/// Settings of a hub, read from `/etc/zizhu/hub.yaml` (or `--config`), then `ZIZHU_…` variables.
public struct HubConfiguration: Sendable, Equatable {
    /// Address to listen on. Plain HTTP is meant for loopback only (the demo).
    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
    /// PEM certificate chain (leaf first) for HTTPS; with ``tlsPrivateKey``. Without both, the
    /// hub serves plain HTTP and refuses to listen anywhere but loopback.
    public var tlsCertificate: String?
    public var tlsPrivateKey: String?
    /// An SQLite file path (relative to the working directory) or a `postgres://` URL.
    public var database = "zizhu-hub.sqlite"
    /// The AES key file that seals qualification evidence at rest; `nil`: beside the SQLite
    /// file, or `zizhu-hub-evidence.key` in the working directory for PostgreSQL.
    public var evidenceKey: String?
    /// Approve qualification submissions without staff when card, PIN and challenge all passed.
    public var qualificationAutoApprove = true
    /// Days the evidence of a decided submission is kept before it is deleted.
    public var evidenceRetentionDays = 30
    /// Largest request body the hub reads; beyond it the answer is 413.
    public var maxBodyBytes = 1 << 20
    /// Most items in one batch; beyond it the answer is 413.
    public var maxBatchItems = 500
    /// How far a signature's created time may be from the hub's clock.
    public var signatureWindowSeconds = 300
    /// Certificate verifications one client address may make at once, then per minute.
    public var verifyBurst = 30
    public var verifyPerMinute = 30
    /// Staff dashboard sessions end after this long without a request, and this long after login.
    public var dashboardSessionIdleMinutes = 15
    public var dashboardSessionAbsoluteHours = 8
    /// Wrong passwords in a row before a staff account locks, and for how long.
    public var dashboardLoginMaxFailures = 5
    public var dashboardLockoutMinutes = 15
    /// Login attempts one client address may make per minute (after a burst of as many).
    public var dashboardLoginPerMinute = 10
    /// A kiosk whose last heartbeat is older than this shows as offline.
    public var dashboardOfflineAfterSeconds = 300
    /// scrypt cost (log2 N) of new staff password hashes; each hash keeps the cost it was made with.
    public var dashboardPasswordCost = 15
    public var logFormat: LogLineFormat = .logfmt
    public var logLevel: Logger.Level = .info
    /// How the screens are spoken: espeak-ng (Mandarin), or not at all (a silent test rig).
    public var speech: SpeechOutput = .espeak
    /// A file that receives every spoken line as well (tests and the demo read it).
    public var speechTranscript: String?
    /// Ask xterm for the larger font in large mode (xterm started by kiosk/lib/xterm-kiosk.sh).
    public var xtermFonts = false
    /// Seconds without input before the idle warning (accessibility A20: generous).
    public var idleSeconds = 90
    /// Seconds the idle warning counts down before the session ends (≥ 35: it must outlast its speech).
    public var idleWarningSeconds = 40

    public init() {}

    /// How screens are spoken.
    public enum SpeechOutput: String, CaseIterable, Sendable {
        case espeak, off
    }

    public static let schema = ConfigurationSchema<HubConfiguration>(keys: [
        .text("listen.host", \.listenHost, default: HubConfiguration().listenHost,
              summary: "Address the hub listens on."),
        .port("listen.port", \.listenPort, default: HubConfiguration().listenPort,
              summary: "TCP port the hub listens on."),
        .optionalText("listen.tls_certificate", \.tlsCertificate,
                      summary: "PEM certificate chain (leaf first) for HTTPS; plain HTTP without it, on loopback only."),
        .optionalText("listen.tls_private_key", \.tlsPrivateKey,
                      summary: "PEM private key of listen.tls_certificate."),
        .text("storage.database", \.database, default: HubConfiguration().database,
              summary: "SQLite file (relative to the working directory) or postgres://user@host:port/database."),
        .optionalText("storage.evidence_key", \.evidenceKey,
                      summary: "AES key file sealing qualification evidence at rest (created 0600 if missing); empty: beside the SQLite file, or zizhu-hub-evidence.key in the working directory."),
        .flag("qualification.auto_approve", \.qualificationAutoApprove, default: true,
              summary: "Approve a qualification without staff when card, PIN and every challenge step passed with no quality flag."),
        .integer("qualification.evidence_retention_days", \.evidenceRetentionDays, range: 1...365,
                 default: HubConfiguration().evidenceRetentionDays,
                 summary: "Days a decided qualification's evidence is kept before its deletion (audited)."),
        .integer("limits.max_body_bytes", \.maxBodyBytes, range: 1024...(64 << 20), default: HubConfiguration().maxBodyBytes,
                 summary: "Largest request body read; larger bodies get 413."),
        .integer("limits.max_batch_items", \.maxBatchItems, range: 1...1000, default: HubConfiguration().maxBatchItems,
                 summary: "Most items in one transaction batch; longer batches get 413."),
        .integer("limits.verify_burst", \.verifyBurst, range: 1...10_000, default: HubConfiguration().verifyBurst,
                 summary: "Certificate verifications (/verify) one client address may make at once; beyond it 429."),
        .integer("limits.verify_per_minute", \.verifyPerMinute, range: 1...100_000, default: HubConfiguration().verifyPerMinute,
                 summary: "Certificate verifications one client address may make per minute after the burst."),
        .integer("auth.signature_window_seconds", \.signatureWindowSeconds, range: 10...3600,
                 default: HubConfiguration().signatureWindowSeconds,
                 summary: "How far a request signature's created time may be from the hub's clock."),
        .integer("dashboard.session_idle_minutes", \.dashboardSessionIdleMinutes, range: 1...480,
                 default: HubConfiguration().dashboardSessionIdleMinutes,
                 summary: "A staff dashboard session ends after this many minutes without a request."),
        .integer("dashboard.session_absolute_hours", \.dashboardSessionAbsoluteHours, range: 1...24,
                 default: HubConfiguration().dashboardSessionAbsoluteHours,
                 summary: "A staff dashboard session ends this many hours after login, used or not."),
        .integer("dashboard.login_max_failures", \.dashboardLoginMaxFailures, range: 1...100,
                 default: HubConfiguration().dashboardLoginMaxFailures,
                 summary: "Wrong passwords in a row before a staff account locks."),
        .integer("dashboard.lockout_minutes", \.dashboardLockoutMinutes, range: 1...1440,
                 default: HubConfiguration().dashboardLockoutMinutes,
                 summary: "How long a staff account stays locked after too many wrong passwords."),
        .integer("dashboard.login_per_minute", \.dashboardLoginPerMinute, range: 1...10_000,
                 default: HubConfiguration().dashboardLoginPerMinute,
                 summary: "Staff login attempts one client address may make per minute (after a burst of as many); beyond it 429."),
        .integer("dashboard.offline_after_seconds", \.dashboardOfflineAfterSeconds, range: 30...86_400,
                 default: HubConfiguration().dashboardOfflineAfterSeconds,
                 summary: "The dashboard shows a kiosk as offline when its last heartbeat is older than this."),
        .integer("dashboard.password_cost", \.dashboardPasswordCost, range: 10...20,
                 default: HubConfiguration().dashboardPasswordCost,
                 summary: "scrypt cost (log2 N) of new staff password hashes: 15 is OWASP's setting (32 MiB, ~0.2 s); each step doubles time and memory. Existing hashes keep the cost they were made with."),
        .choice("log.format", \.logFormat, default: .logfmt, summary: "Log line format on standard error."),
        .choice("log.level", \.logLevel, default: .info, summary: "Lowest level logged."),
        .choice("ui.speech", \.speech, default: .espeak, summary: "Speak every screen with espeak-ng (Mandarin), or off."),
        .optionalText("ui.speech_transcript", \.speechTranscript,
                      summary: "File that also receives every spoken line (tests, the demo); empty for none."),
        .flag("ui.xterm_fonts", \.xtermFonts, default: false,
              summary: "Large mode asks xterm for the 40 px font (xterm started by kiosk/lib/xterm-kiosk.sh)."),
        .integer("ui.idle_seconds", \.idleSeconds, range: 20...3600, default: 90,
                 summary: "Seconds without input before the spoken idle warning."),
        .integer("ui.idle_warning_seconds", \.idleWarningSeconds, range: 35...600, default: 40,
                 summary: "Seconds the idle warning counts down (with a 继续 button) before the session ends."),
    ])

    public static let defaultPath = "/etc/zizhu/hub.yaml"

    public static func load(path: String?, environment: [String: String]) throws(ConfigurationError) -> HubConfiguration {
        try ConfigurationLoader.load(schema: schema, defaults: HubConfiguration(), path: path,
                                     defaultPath: defaultPath, environment: environment)
    }
}


enum ConfigurationLoader {
    static func load<Settings>(
        schema: ConfigurationSchema<Settings>, defaults: Settings, path: String?, defaultPath: String,
        environment: [String: String]
    ) throws(ConfigurationError) -> Settings {
        var document = ConfigurationDocument()
        if let path {
            document = try ConfigurationDocument(contentsOfFile: path)
        } else if FileSystemProbe.isReadableFile(defaultPath) {
            document = try ConfigurationDocument(contentsOfFile: defaultPath)
        }
        document.applyEnvironment(environment, knownKeys: schema.keys.map(\.name))
        return try schema.settings(from: document, defaults: defaults)
    }
}

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
    public var logFormat: LogLineFormat = .logfmt
    public var logLevel: Logger.Level = .info

    public init() {}

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
        .choice("log.format", \.logFormat, default: .logfmt, summary: "Log line format on standard error."),
        .choice("log.level", \.logLevel, default: .info, summary: "Lowest level logged."),
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
    /// Largest request body the hub reads; beyond it the answer is 413.
    public var maxBodyBytes = 1 << 20
    /// Most items in one batch; beyond it the answer is 413.
    public var maxBatchItems = 500
    /// How far a signature's created time may be from the hub's clock.
    public var signatureWindowSeconds = 300
    /// Certificate verifications one client address may make at once, then per minute.
    public var verifyBurst = 30
    public var verifyPerMinute = 30
    public var logFormat: LogLineFormat = .logfmt
    public var logLevel: Logger.Level = .info

    public init() {}

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
        .choice("log.format", \.logFormat, default: .logfmt, summary: "Log line format on standard error."),
        .choice("log.level", \.logLevel, default: .info, summary: "Lowest level logged."),
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

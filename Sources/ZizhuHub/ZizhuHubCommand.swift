import ArgumentParser
import Foundation
import HubAPI
import HubServer
import HubStore
import Hummingbird
import Logging
import Metrics
import Prometheus
import ZizhuConfiguration
import ZizhuLogging

@main
struct ZizhuHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-hub",
        abstract: "The central service Zizhu kiosks sync with.",
        version: ZizhuVersion.current,
        subcommands: [Serve.self, SeedDemo.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the hub's HTTP API until SIGTERM or SIGINT.")

    @Option(help: "Configuration file (YAML). Default: \(HubConfiguration.defaultPath) if it exists, else built-in defaults.")
    var config: String?

    @Option(help: "Address to listen on (overrides listen.host).")
    var host: String?

    @Option(help: "TCP port to listen on (overrides listen.port); 0 picks a free port.")
    var port: Int?

    @Option(help: "SQLite file or postgres://user@host:port/database (overrides storage.database).")
    var database: String?

    func run() async throws {
        var settings: HubConfiguration
        do {
            settings = try HubConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if let host { settings.listenHost = host }
        if let port { settings.listenPort = port }
        if let database { settings.database = database }
        LoggingBootstrap.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "zizhu.hub")
        let location: HubDatabase
        do {
            location = try HubDatabase(location: settings.database)
        } catch {
            throw ValidationError("storage.database: \(error)")
        }
        var serverSettings = HubServerSettings(
            maxBodyBytes: settings.maxBodyBytes, maxBatchItems: settings.maxBatchItems,
            signatureWindow: .seconds(settings.signatureWindowSeconds))
        serverSettings.verifyBurst = settings.verifyBurst
        serverSettings.verifyPerMinute = settings.verifyPerMinute
        serverSettings.ingestion.qualification = QualificationPolicy(
            autoApprove: settings.qualificationAutoApprove, evidenceRetention: .seconds(settings.evidenceRetentionDays * 86_400))
        serverSettings.dashboard = DashboardSettings(
            sessions: StaffSessionPolicy(idle: .seconds(settings.dashboardSessionIdleMinutes * 60),
                                         absolute: .seconds(settings.dashboardSessionAbsoluteHours * 3600)),
            logins: StaffLoginPolicy(maxFailures: settings.dashboardLoginMaxFailures, lockout: .seconds(settings.dashboardLockoutMinutes * 60)),
            loginBurst: settings.dashboardLoginPerMinute, loginPerMinute: settings.dashboardLoginPerMinute,
            offlineAfter: .seconds(settings.dashboardOfflineAfterSeconds),
            passwordParameters: .cost(settings.dashboardPasswordCost))
        switch (settings.tlsCertificate, settings.tlsPrivateKey) {
        case (let certificate?, let key?):
            serverSettings.tls = HubTLSFiles(certificateChainPath: certificate, privateKeyPath: key)
        case (nil, nil):
            break
        default:
            throw ValidationError("listen.tls_certificate and listen.tls_private_key go together: set both for HTTPS, or neither")
        }
        do {
            try HubListenPolicy.check(host: settings.listenHost, tls: serverSettings.tls)
        } catch {
            throw ValidationError("\(error)")
        }
        let metrics = HubMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        let scheme = serverSettings.tls == nil ? "http" : "https"
        let finalSettings = serverSettings
        let host = settings.listenHost
        let listenPort = settings.listenPort
        // The store opens (and migrates) before the server listens, and closes only after the
        // server has drained its in-flight requests on SIGTERM/SIGINT: no batch is cut off.
        let evidenceKey: EvidenceKey
        do {
            evidenceKey = try EvidenceKey.loadOrCreate(path: settings.evidenceKey ?? location.defaultEvidenceKeyPath)
        } catch {
            throw ValidationError("storage.evidence_key: \(error)")
        }
        let retention = finalSettings.ingestion.qualification.evidenceRetention
        try await location.withStore(logger: logger, evidenceKey: evidenceKey) { store in
            let app = try HubServerApplication.make(
                host: host, port: listenPort, store: store, settings: finalSettings, metrics: metrics, logger: logger,
                onServerRunning: { port in
                    logger.info("hub listening", metadata: [
                        "http.scheme": .string(scheme), "http.host": .string(host), "http.port": .stringConvertible(port),
                        "database": .string(location.displayName),
                    ])
                })
            // Evidence of decided submissions is deleted once its retention ends (hourly sweep).
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await EvidenceRetention.run(store: store, retention: retention, logger: logger) }
                defer { group.cancelAll() }
                try await app.runService()
            }
        }
    }
}

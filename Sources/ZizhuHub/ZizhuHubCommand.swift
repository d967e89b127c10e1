import ArgumentParser
import Foundation
import HubAPI
import HubServer
import Hummingbird
import Logging
import ZizhuConfiguration
import ZizhuLogging

@main
struct ZizhuHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-hub",
        abstract: "The central service Zizhu kiosks sync with.",
        version: ZizhuVersion.current,
        subcommands: [Serve.self],
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

    func run() async throws {
        var settings: HubConfiguration
        do {
            settings = try HubConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if let host { settings.listenHost = host }
        if let port { settings.listenPort = port }
        LoggingBootstrap.bootstrap(format: settings.logFormat, level: settings.logLevel)
        let logger = Logger(label: "zizhu.hub")
        let host = settings.listenHost
        let app = try HubServerApplication.make(
            host: settings.listenHost, port: settings.listenPort, logger: logger,
            onServerRunning: { port in
                logger.info("hub listening", metadata: ["http.host": .string(host), "http.port": .stringConvertible(port)])
            })
        try await app.runService()
    }
}

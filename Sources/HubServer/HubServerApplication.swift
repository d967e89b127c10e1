import HubAPI
import HubStore
import Hummingbird
import Logging
import OpenAPIHummingbird

/// Builds the hub's HTTP application: the generated routes over Hummingbird.
public enum HubServerApplication {
    /// - Parameters:
    ///   - host: address to bind; plain HTTP belongs on loopback only.
    ///   - port: TCP port; 0 picks a free one (tests read it back through `onServerRunning`).
    ///   - store: where enrollments, batches, heartbeats and updates live.
    ///   - settings: limits and tolerances.
    ///   - logger: the hub's logger.
    ///   - onServerRunning: called with the bound port once the server accepts connections.
    public static func make(
        host: String, port: Int, store: any HubStore, settings: HubServerSettings = HubServerSettings(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router()
        router.middlewares.add(LogRequestsMiddleware(.debug))
        let handler = HubAPIHandler(store: store, settings: settings, logger: logger)
        try handler.registerHandlers(
            on: router,
            middlewares: [KioskSignatureMiddleware(store: store, settings: settings, logger: logger)])
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "zizhu-hub"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

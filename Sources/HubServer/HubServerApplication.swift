import HubAPI
import HubStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import OpenAPIHummingbird

/// Builds the hub's HTTP application: the generated routes over Hummingbird.
public enum HubServerApplication {
    /// - Parameters:
    ///   - host: address to bind; plain HTTP belongs on loopback only (see ``HubListenPolicy``).
    ///   - port: TCP port; 0 picks a free one (tests read it back through `onServerRunning`).
    ///   - store: where enrollments, batches, heartbeats and updates live.
    ///   - settings: limits, tolerances and TLS.
    ///   - metrics: the registry `GET /metrics` renders.
    ///   - logger: the hub's logger.
    ///   - onServerRunning: called with the bound port once the server accepts connections.
    public static func make(
        host: String, port: Int, store: any HubStore, settings: HubServerSettings = HubServerSettings(),
        metrics: HubMetrics = HubMetrics(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(HubServerStartError) -> some ApplicationProtocol {
        try HubListenPolicy.check(host: host, tls: settings.tls)
        let router = Router(context: HubRequestContext.self)
        router.middlewares.add(LogRequestsMiddleware(.debug))
        router.middlewares.add(VerifyRateLimitMiddleware(limiter: TokenBuckets(burst: settings.verifyBurst, perMinute: settings.verifyPerMinute)))
        // Request counts and durations through swift-metrics; into `metrics.registry` when the
        // process bootstrapped MetricsSystem with a factory over it (zizhu-hub does).
        router.middlewares.add(MetricsMiddleware())
        let handler = HubAPIHandler(store: store, settings: settings, metrics: metrics, logger: logger)
        let transport = RouteRecordingTransport(router)
        do {
            try handler.registerHandlers(
                on: transport,
                configuration: .hub,
                middlewares: [
                    RequestShapeMiddleware(logger: logger),
                    KioskSignatureMiddleware(store: store, settings: settings, metrics: metrics, logger: logger),
                    NullValueMiddleware(logger: logger),
                ])
        } catch {
            throw .routes(String(describing: error))
        }
        router.middlewares.add(MethodNotAllowedMiddleware(routes: transport.routes))
        DashboardRoutes(store: store, settings: settings.dashboard, secureCookies: settings.tls != nil, logger: logger).register(on: router)
        let server: HTTPServerBuilder
        if let tls = settings.tls {
            server = try tls.serverBuilder()
        } else {
            server = .http1()
        }
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "zizhu-hub"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}

/// The operator's certificate and key for HTTPS, as PEM files.
public struct HubTLSFiles: Sendable, Equatable {
    /// The certificate chain, leaf first.
    public var certificateChainPath: String
    public var privateKeyPath: String

    public init(certificateChainPath: String, privateKeyPath: String) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
    }

    func serverBuilder() throws(HubServerStartError) -> HTTPServerBuilder {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateChainPath)
        } catch {
            throw .tls("cannot read the certificate chain \(certificateChainPath): \(error)")
        }
        guard !chain.isEmpty else { throw .tls("\(certificateChainPath) holds no PEM certificate") }
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw .tls("cannot read the private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try .tls(.http1(), tlsConfiguration: configuration)
        } catch {
            throw .tls("the certificate and key do not make a TLS configuration: \(error)")
        }
    }
}

/// Kiosks send signed requests, but their bodies carry personal data: off the machine they
/// travel only over TLS. Plain HTTP is for loopback (the demo, a reverse proxy on the host).
public enum HubListenPolicy {
    public static func check(host: String, tls: HubTLSFiles?) throws(HubServerStartError) {
        guard tls == nil else { return }
        guard isLoopback(host) else { throw .plainHTTPOffLoopback(host: host) }
    }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Why the hub would not start; a technician fixes the configuration.
public enum HubServerStartError: Error, CustomStringConvertible, Equatable {
    case plainHTTPOffLoopback(host: String)
    case tls(String)
    case routes(String)

    public var description: String {
        switch self {
        case .plainHTTPOffLoopback(let host):
            return "listen.host is \(host) but no TLS is configured: plain HTTP is only allowed on loopback. "
                + "Set listen.tls_certificate and listen.tls_private_key, or listen on 127.0.0.1 behind a TLS proxy."
        case .tls(let detail): return "TLS: \(detail)"
        case .routes(let detail): return "cannot register the API routes: \(detail)"
        }
    }
}

import AsyncHTTPClient
import Foundation
import HubAPI
import NIOCore
import NIOSSL
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Synchronization

/// A kiosk's (or operator's) client for one hub, over the generated OpenAPI client.
public struct HubConnection: Sendable {
    /// The generated client, for callers that need an operation's full output.
    public let client: Client

    /// - Parameters:
    ///   - baseURL: the hub's base URL, e.g. `http://127.0.0.1:8080`.
    ///   - httpClient: the shared AsyncHTTPClient; the caller owns its lifetime.
    ///   - timeout: how long one request may take before the hub counts as unreachable.
    ///   - signer: an enrolled kiosk's signer; without it only `/health` and enrollment work.
    ///   - middlewares: run after signing, closest to the wire (metrics, logging; tests use them
    ///     to replay or tamper with signed requests).
    public init(baseURL: String, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(5),
                signer: KioskSigningMiddleware? = nil, middlewares: [any ClientMiddleware] = []) throws(HubConnectionError) {
        guard let url = URL(string: baseURL), url.host != nil else { throw .invalidURL(baseURL) }
        let transport = AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: TimeAmount(timeout)))
        client = Client(serverURL: url, configuration: .hub, transport: transport, middlewares: (signer.map { [$0] } ?? []) + middlewares)
    }

    /// The HTTP client for a hub whose certificate was issued by the operator's own CA (a PEM
    /// file, `hub.ca_certificate`), or AsyncHTTPClient's shared client (system trust) for `nil`.
    /// One client per CA file, kept for the life of the process like the shared one.
    public static func httpClient(trustingCertificateAt caPath: String?) throws(HubConnectionError) -> HTTPClient {
        guard let caPath, !caPath.isEmpty else { return .shared }
        return try clientsByCA.withLock { clients throws(HubConnectionError) -> HTTPClient in
            if let client = clients[caPath] { return client }
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caPath)
            } catch {
                throw .invalidCertificate("\(caPath): \(error)")
            }
            guard !roots.isEmpty else { throw .invalidCertificate("\(caPath) holds no PEM certificate") }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(roots)
            tls.minimumTLSVersion = .tlsv12
            var configuration = HTTPClient.Configuration()
            configuration.tlsConfiguration = tls
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[caPath] = client
            return client
        }
    }

    private static let clientsByCA = Mutex<[String: HTTPClient]>([:])

    /// Asks the hub whether it is up.
    /// - Returns: the hub's software version.
    public func health() async throws(HubConnectionError) -> String {
        try await call {
            switch try await client.getHealth() {
            case .ok(let ok): return try ok.body.json.version
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    /// The hub's metrics in the Prometheus text format (what a Prometheus server scrapes).
    public func metrics() async throws(HubConnectionError) -> String {
        try await call {
            switch try await client.getMetrics() {
            case .ok(let ok): return try await String(collecting: ok.body.plainText, upTo: 16 << 20)
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    /// Enrolls this kiosk with a one-time code.
    /// - Returns: the device ID and office the hub assigned.
    public func enroll(code: String, key: KioskKey) async throws(HubConnectionError) -> Components.Schemas.Enrollment {
        try await call {
            switch try await client.enroll(body: .json(.init(code: code, publicKey: key.publicKeyBase64))) {
            case .created(let created): return try created.body.json
            case .badRequest(let problem): throw try HubConnectionError.refused(status: 400, problem.body.json)
            case .forbidden(let problem): throw try HubConnectionError.refused(status: 403, problem.body.json)
            case .contentTooLarge(let problem): throw try HubConnectionError.refused(status: 413, problem.body.json)
            case .serviceUnavailable(let problem): throw try HubConnectionError.refused(status: 503, problem.body.json)
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    /// Delivers a batch; the result names the fate of every seq.
    public func submit(_ batch: Components.Schemas.TransactionBatch) async throws(HubConnectionError) -> Components.Schemas.BatchResult {
        try await call {
            switch try await client.submitTransactions(body: .json(batch)) {
            case .ok(let ok): return try ok.body.json
            case .badRequest(let problem): throw try HubConnectionError.refused(status: 400, problem.body.json)
            case .unauthorized(let problem): throw try HubConnectionError.refused(status: 401, problem.body.json)
            case .forbidden(let problem): throw try HubConnectionError.refused(status: 403, problem.body.json)
            case .contentTooLarge(let problem): throw try HubConnectionError.refused(status: 413, problem.body.json)
            case .serviceUnavailable(let problem): throw try HubConnectionError.refused(status: 503, problem.body.json)
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    /// Reports device health; the receipt says how far the kiosk's clock is off.
    public func heartbeat(_ heartbeat: Components.Schemas.Heartbeat) async throws(HubConnectionError) -> Components.Schemas.HeartbeatReceipt {
        try await call {
            switch try await client.sendHeartbeat(body: .json(heartbeat)) {
            case .ok(let ok): return try ok.body.json
            case .badRequest(let problem): throw try HubConnectionError.refused(status: 400, problem.body.json)
            case .unauthorized(let problem): throw try HubConnectionError.refused(status: 401, problem.body.json)
            case .contentTooLarge(let problem): throw try HubConnectionError.refused(status: 413, problem.body.json)
            case .serviceUnavailable(let problem): throw try HubConnectionError.refused(status: 503, problem.body.json)
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    /// Fetches updates after the stored cursor.
    public func updates(after cursor: Int64) async throws(HubConnectionError) -> Components.Schemas.UpdatePage {
        try await call {
            switch try await client.getUpdates(query: .init(after: cursor)) {
            case .ok(let ok): return try ok.body.json
            case .badRequest(let problem): throw try HubConnectionError.refused(status: 400, problem.body.json)
            case .unauthorized(let problem): throw try HubConnectionError.refused(status: 401, problem.body.json)
            case .serviceUnavailable(let problem): throw try HubConnectionError.refused(status: 503, problem.body.json)
            case .undocumented(let status, _): throw HubConnectionError.unexpectedStatus(status)
            }
        }
    }

    private func call<T>(_ body: () async throws -> T) async throws(HubConnectionError) -> T {
        do {
            return try await body()
        } catch let error as HubConnectionError {
            throw error
        } catch {
            throw .unreachable(String(describing: error))
        }
    }
}

/// Why the hub could not be used.
public enum HubConnectionError: Error, Equatable, Sendable {
    /// The configured URL is not a URL: a technician fixes `hub.url`.
    case invalidURL(String)
    /// No answer (network down, hub stopped, timeout): the kiosk works offline and retries.
    case unreachable(String)
    /// The configured CA certificate (`hub.ca_certificate`) cannot be read: a technician fixes it.
    case invalidCertificate(String)
    /// The hub answered with a status the contract does not describe.
    case unexpectedStatus(Int)
    /// The hub refused the request: 401/403 need a technician (enrollment, revocation, clock),
    /// 413 smaller batches, 503 a later retry with the same seqs.
    case refused(status: Int, reason: String, message: String)

    static func refused(status: Int, _ problem: Components.Schemas.Problem) -> Self {
        .refused(status: status, reason: problem.reason, message: problem.message)
    }
}

import AsyncHTTPClient
import Foundation
import HubAPI
import NIOCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// A kiosk's (or operator's) client for one hub, over the generated OpenAPI client.
public struct HubConnection: Sendable {
    private let client: Client

    /// - Parameters:
    ///   - baseURL: the hub's base URL, e.g. `http://127.0.0.1:8080`.
    ///   - httpClient: the shared AsyncHTTPClient; the caller owns its lifetime.
    ///   - timeout: how long one request may take before the hub counts as unreachable.
    public init(baseURL: String, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(5)) throws(HubConnectionError) {
        guard let url = URL(string: baseURL), url.host != nil else { throw .invalidURL(baseURL) }
        let transport = AsyncHTTPClientTransport(configuration: .init(client: httpClient, timeout: TimeAmount(timeout)))
        client = Client(serverURL: url, transport: transport)
    }

    /// Asks the hub whether it is up.
    /// - Returns: the hub's software version.
    public func health() async throws(HubConnectionError) -> String {
        do {
            switch try await client.getHealth() {
            case .ok(let ok):
                return try ok.body.json.version
            case .undocumented(let status, _):
                throw HubConnectionError.unexpectedStatus(status)
            }
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
    /// The hub answered with a status the contract does not describe.
    case unexpectedStatus(Int)
}

import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Synchronization

/// Registers the generated routes on the router and remembers which methods each path has, so
/// that a request with another method gets 405 and an `Allow` header (RFC 9110 §15.5.6) rather
/// than Hummingbird's 404, which would say the path does not exist.
final class RouteRecordingTransport: ServerTransport {
    private let base: any ServerTransport
    private let methods = Mutex<[String: Set<HTTPRequest.Method>]>([:])

    init(_ base: any ServerTransport) { self.base = base }

    func register(
        _ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method, path: String
    ) throws {
        try base.register(handler, method: method, path: path)
        methods.withLock { _ = $0[path, default: []].insert(method) }
    }

    /// Methods by path, as the document declares them.
    var routes: [String: Set<HTTPRequest.Method>] { methods.withLock { $0 } }
}

struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Paths of openapi.yaml (literal: the API has no path parameters) and their methods.
    let routes: [String: Set<HTTPRequest.Method>]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let allowed = routes[request.uri.path], !allowed.contains(request.method) else {
            return try await next(request, context)
        }
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).sorted().joined(separator: ", ")
        headers[.contentType] = "application/json; charset=utf-8"
        let body = #"{"reason":"method_not_allowed","message":"This path does not take \#(request.method.rawValue); see the Allow header."}"#
        return Response(status: .methodNotAllowed, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

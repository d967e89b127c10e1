import HTTPTypes
import Logging
import OpenAPIRuntime

/// Answers 400 with a clear message, instead of 500, when a request does not match the contract:
/// a missing or undecodable body, a wrong content type, a query parameter of the wrong type.
///
/// The generated server throws a `ServerError` for these before any handler runs (it has no
/// operation input); an error with an input came from a handler, and stays a 500 for a technician.
struct RequestShapeMiddleware: ServerMiddleware {
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        do {
            return try await next(request, body, metadata)
        } catch let error as ServerError where error.operationInput == nil {
            // The cause names the part of the request that failed (a key path, a content type),
            // not the values, so it is safe to log and to return.
            logger.notice("request does not match the API", metadata: [
                "operation": "\(operationID)", "cause": "\(error.causeDescription)",
            ])
            return KioskSignatureMiddleware.problem(
                .badRequest, "bad_request",
                "The request does not match the hub's API (\(error.causeDescription)); see openapi.yaml for \(operationID).")
        }
    }
}

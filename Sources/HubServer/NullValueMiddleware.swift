import Foundation
import HTTPTypes
import Logging
import OpenAPIRuntime

/// Answers 400 to a JSON request body that holds `null` for an optional property openapi.yaml
/// does not declare nullable.
///
/// The generated types decode an optional property with `decodeIfPresent`, which reads `null` as
/// if the property were absent: `"parked_items": null` in a heartbeat would pass as "no parked
/// items" although the schema says array, `"page": null` as the default page. A required property
/// that is null fails to decode (``RequestShapeMiddleware`` answers 400), and a nullable one
/// (`type: [integer, 'null']`) may be null, so only the optional, non-nullable properties of
/// request bodies are listed here. A property added to the contract without its line here is
/// what schemathesis reports as "schema-violating request accepted" (HubSchemathesisTests).
///
/// Runs after ``KioskSignatureMiddleware``: an unsigned request is a 401 whatever its body, and
/// the body is already bounded and in memory.
struct NullValueMiddleware: ServerMiddleware {
    /// Per operation, the optional request body properties that must not be null, as key paths.
    static let nonNullableOptionals: [String: [[String]]] = [
        "sendHeartbeat": [["outbox", "parked"], ["outbox", "parked_items"]],
        "queryInsuranceRecords": [["page"], ["page_size"]],
    ]

    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body, let paths = Self.nonNullableOptionals[operationID] else { return try await next(request, body, metadata) }
        // Bounded by KioskSignatureMiddleware before this runs.
        let bytes = try await Data(collecting: body, upTo: .max)
        if let path = Self.firstNull(in: bytes, at: paths) {
            logger.notice("request does not match the API", metadata: ["operation": "\(operationID)", "cause": "\(path) is null"])
            return KioskSignatureMiddleware.problem(
                .badRequest, "bad_request",
                "The request does not match the hub's API (\(path) is null; leave it out instead); see openapi.yaml for \(operationID).")
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }

    /// The first of `paths` (dotted) whose value in the JSON object `json` is `null`, or `nil`;
    /// also `nil` for a body that is not a JSON object (the generated decoder refuses that).
    static func firstNull(in json: Data, at paths: [[String]]) -> String? {
        guard let root = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else { return nil }
        for path in paths {
            var value: Any? = root
            for key in path { value = (value as? [String: Any])?[key] }
            if value is NSNull { return path.joined(separator: ".") }
        }
        return nil
    }
}

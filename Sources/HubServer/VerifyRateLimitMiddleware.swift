import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Limits `GET /verify/…` per client address (a token bucket: `burst` at once, refilled at
/// `perMinute`), so the registry cannot be walked by guessing codes. 80-bit codes make guessing
/// hopeless anyway; the limit keeps a scanner from loading the hub. Answers 429 beyond it.
struct VerifyRateLimitMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    let limiter: TokenBuckets

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix("/verify/") else { return try await next(request, context) }
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        guard limiter.take(client, now: ContinuousClock.now) else {
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.retryAfter] = "60"
            let body = #"{"reason":"rate_limited","message":"Too many verifications from this address; try again in a minute."}"#
            return Response(status: .tooManyRequests, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return try await next(request, context)
    }
}

/// Token buckets by key, in memory (per hub process), forgetting idle keys.
final class TokenBuckets: Sendable {
    private struct Bucket { var tokens: Double; var updated: ContinuousClock.Instant }
    private let buckets = Mutex<[String: Bucket]>([:])
    let burst: Double
    let perMinute: Double

    init(burst: Int, perMinute: Int) {
        self.burst = Double(burst)
        self.perMinute = Double(perMinute)
    }

    func take(_ key: String, now: ContinuousClock.Instant) -> Bool {
        buckets.withLock { buckets in
            if buckets.count > 100_000 {
                // Keys idle long enough to be full again carry no state worth keeping.
                let full = Duration.seconds(burst / perMinute * 60)
                buckets = buckets.filter { now - $0.value.updated < full }
            }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perMinute / 60)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return false
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return true
        }
    }
}

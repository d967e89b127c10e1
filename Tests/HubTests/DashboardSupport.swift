import AsyncHTTPClient
import Foundation
import HubAPI
import HubClient
import HubStore
import Logging
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import TestSupport
import Testing

/// A browser for the staff dashboard over real HTTP: it keeps cookies (honouring `Max-Age=0`),
/// never follows redirects (tests look at them) and reads the CSRF token from the last page.
final class StaffBrowser: @unchecked Sendable {
    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var body: String
        var data: Data

        var location: String? { headers.first(name: "Location") }

        /// The value of the hidden `csrf` field of the page's (first) form.
        var csrfField: String? {
            guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
            let rest = body[range.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
    }

    let baseURL: String
    private(set) var cookies: [String: String] = [:]
    /// The raw Set-Cookie headers of the last response.
    private(set) var lastSetCookies: [String] = []
    private static let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                           configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10), read: .seconds(60))))

    init(baseURL: String) { self.baseURL = baseURL }

    func get(_ path: String) async throws -> Page {
        try await send(HTTPClientRequest(url: baseURL + path))
    }

    func post(_ path: String, form: [(String, String)]) async throws -> Page {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: Self.encode(form)))
        return try await send(request)
    }

    static func encode(_ form: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return form.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    /// Logs in through the login page, as a person would; returns the answer to the POST.
    @discardableResult
    func login(_ username: String, _ password: String) async throws -> Page {
        let form = try await get("/staff/login")
        let token = try #require(form.csrfField)
        return try await post("/staff/login", form: [("csrf", token), ("username", username), ("password", password)])
    }

    private func send(_ request: HTTPClientRequest) async throws -> Page {
        var request = request
        if !cookies.isEmpty {
            request.headers.add(name: "Cookie", value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(60))
        let buffer = try await response.body.collect(upTo: 16 << 20)
        let body = String(buffer: buffer)
        lastSetCookies = response.headers[canonicalForm: "Set-Cookie"].map(String.init)
        for header in lastSetCookies {
            let attributes = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = attributes.first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            if attributes.contains("Max-Age=0") || value.isEmpty { cookies[name] = nil } else { cookies[name] = value }
        }
        return Page(status: Int(response.status.code), headers: response.headers, body: body, data: Data(buffer.readableBytesView))
    }

    func setCookie(_ name: String, _ value: String?) { cookies[name] = value }
}

extension HubFixture {
    static let staffPassword = "correct horse battery"

    /// Adds a staff account through `zizhuctl hub staff add`, as an operator would.
    func addStaff(_ username: String, name: String, password: String = HubFixture.staffPassword) async throws {
        let file = "\(try TestEnvironment.temporaryDirectory("staff"))/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let output = try await zizhuctl(["staff", "add", username, "--name", name, "--password-file", file])
        #expect(output.contains("added"))
    }

    /// Runs `body` with the hub's store, opened beside the running hub.
    func withStore<T: Sendable>(_ body: @Sendable (any HubStore) async throws -> T) async throws -> T {
        try await HubDatabase(location: database).withStore(logger: Logger(label: "test"), body)
    }
}

/// Enrolls kiosks over HTTP and makes them report mixed states with real signed heartbeats and
/// batches: the fleet the dashboard tests and screenshots show.
enum FleetSeeder {
    struct SeededKiosk {
        var deviceID: String
        var office: String
        var state: String
    }

    static let offices = ["上城区湖滨街道", "上城区清波街道", "西湖区北山街道", "拱墅区米市巷街道"]

    /// `count` kiosks spread over ``offices``; the i-th kiosk's state is `states[i % states.count]`.
    static let states = ["ok", "paper_out", "offline", "backlog", "parked", "paper_low", "gap", "ok", "camera_missing", "never", "ok", "reader_fault"]

    static func seed(_ fixture: HubFixture, count: Int) async throws -> [SeededKiosk] {
        var seeded: [SeededKiosk] = []
        var offlineDevices: [String] = []
        for index in 0..<count {
            let office = offices[index % offices.count]
            let state = states[index % states.count]
            let code = try await fixture.enrollmentCode(office: office)
            let key = KioskKey()
            let enrollment = try await HubConnection(baseURL: fixture.hub.url).enroll(code: code, key: key)
            let connection = try HubConnection(baseURL: fixture.hub.url, signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
            seeded.append(SeededKiosk(deviceID: enrollment.deviceId, office: office, state: state))
            // Today's business: a few certificates and record views, more on busy kiosks.
            let served = (index * 7) % 11 + 1
            var seqs = Array(Int64(1)...Int64(served))
            if state == "gap" { seqs += [Int64(served + 3), Int64(served + 4)] }
            let items = seqs.map { seq in
                todayItem(seq, kind: seq % 4 == 0 ? "staff.called" : "certificate.printed")
            }
            _ = try await connection.submit(.init(deviceId: enrollment.deviceId, items: items))
            guard state != "never" else { continue }
            _ = try await connection.heartbeat(heartbeat(state: state, index: index))
            if state == "offline" { offlineDevices.append(enrollment.deviceId) }
        }
        // Offline: the kiosk last reported two hours ago. The hub stamps heartbeats with its own
        // clock, so the test moves the stored time back, behind the hub's back.
        for device in offlineDevices {
            try await fixture.execute("UPDATE heartbeats SET received_at = received_at - 7200000 WHERE device_id = '\(device)'")
        }
        return seeded
    }

    static func todayItem(_ seq: Int64, kind: String) -> Components.Schemas.TransactionItem {
        let startOfDay = Calendar.current.startOfDay(for: Date())
        // Spread over the day so far, but never ahead of the hub's clock.
        let stamp = startOfDay.addingTimeInterval(min(Date().timeIntervalSince(startOfDay) - 1, Double(seq) * 60))
        return .init(seq: seq, wallTime: stamp, bootId: Batches.bootID, monotonicNs: seq * 1_000_000, kind: kind,
                     payload: try! JSONDecoder().decode(Components.Schemas.TransactionItem.PayloadPayload.self, from: Data(#"{"document": "参保证明"}"#.utf8)))
    }

    static func heartbeat(state: String, index: Int) -> Components.Schemas.Heartbeat {
        var pending: Int64 = 0
        var oldest: Int64?
        var parked: Int64 = 0
        var parkedItems: [Components.Schemas.ParkedItem] = []
        switch state {
        case "backlog":
            pending = 340
            oldest = 3 * 3600 + 600
        case "parked":
            parked = 2
            parkedItems = [.init(seq: 17, kind: "certificate.printed", reason: "invalid_certificate"),
                           .init(seq: 23, kind: "rating.given", reason: "corrupted_in_journal")]
        case "ok" where index % 4 == 0:
            pending = 2
            oldest = 40
        default:
            break
        }
        return Components.Schemas.Heartbeat(
            wallTime: Date(), bootId: "boot-\(index)", monotonicNs: Int64(index) * 1_000_000_000,
            softwareVersion: index % 5 == 3 ? "0.9.2" : "1.0.0",
            cardReader: state == "reader_fault" ? .fault : .ready,
            printer: state == "paper_out" ? .paperOut : (state == "paper_low" ? .paperLow : .ready),
            camera: state == "camera_missing" ? .missing : .ready,
            diskFreeBytes: 20_000_000_000,
            outbox: .init(pending: pending, oldestAgeSeconds: oldest, parked: parked, parkedItems: parkedItems))
    }
}

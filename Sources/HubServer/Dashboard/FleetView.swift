import Foundation
import HubStore
import Mustache

/// What the fleet page shows, computed from the store's rows: pure, so tests check the words
/// and tones without a browser.
struct FleetView {
    /// A cell: the words shown and how loudly (`ok`, `warn`, `bad`, or `muted`).
    struct Cell: Equatable {
        var text: String
        var tone: String

        static func ok(_ text: String) -> Cell { Cell(text: text, tone: "ok") }
        static func warn(_ text: String) -> Cell { Cell(text: text, tone: "warn") }
        static func bad(_ text: String) -> Cell { Cell(text: text, tone: "bad") }
        static func muted(_ text: String) -> Cell { Cell(text: text, tone: "muted") }
    }

    struct Kiosk {
        var deviceID: String
        var shortID: String
        var office: String
        var connection: Cell
        var cardReader: Cell
        var printer: Cell
        var camera: Cell
        var outbox: Cell
        var gaps: Cell
        var parked: Cell
        var version: String
        var services: String
        /// Something here needs a person: offline, a device fault, no paper, missing seqs,
        /// parked items or a backlog older than an hour.
        var attention: Bool
        var isOnline: Bool
        var paperOut: Bool
        var paperLow: Bool
        var deviceFault: Bool
        var backlogged: Bool
        var hasGaps: Bool
        var hasParked: Bool
    }

    struct Tile {
        var label: String
        var count: Int
        var tone: String
    }

    struct ServiceTotal {
        var label: String
        var count: Int
    }

    var kiosks: [Kiosk]
    var tiles: [Tile]
    var totals: [ServiceTotal]

    /// The heartbeat report as stored (the OpenAPI `Heartbeat`, snake_case), read leniently:
    /// a field a newer kiosk adds or an older one lacks must not hide the rest.
    struct Report: Decodable {
        struct Outbox: Decodable {
            var pending: Int64?
            var oldestAgeSeconds: Int64?
            /// Items the hub refused for good, kept on the kiosk for a technician.
            var parked: Int64?
            var parkedItems: [ParkedItem]?
        }

        struct ParkedItem: Decodable {
            var seq: Int64
            var kind: String
            var reason: String
        }

        var softwareVersion: String?
        var cardReader: String?
        var printer: String?
        var camera: String?
        var diskFreeBytes: Int64?
        var outbox: Outbox?
    }

    /// Service names staff know, by transaction kind; other kinds show as they are.
    static let serviceNames: [String: String] = [
        // Transaction kinds the kiosk journals.
        "certificate.printed": "参保证明",
        "qualification.submitted": "资格认证",
        "booking.requested": "体检预约",
        "rating.given": "好差评",
        "staff.called": "呼叫工作人员",
        "pin.changed": "修改密码",
        // A print the kiosk's recovery found never reached paper (not a revoked certificate).
        "certificate.voided": "未打印作废",
        // Service IDs of the kiosk's menu, as ratings name them.
        "print-certificate": "参保证明",
        "query-records": "参保查询",
        "change-pin": "修改密码",
        "qualification": "资格认证",
        "health-check": "体检预约",
        "kiosk": "自助终端",
    ]

    static func serviceName(_ kind: String) -> String { serviceNames[kind] ?? kind }

    /// Whether a journalled kind is a citizen's service; the kiosk's own `audit.*` entries (its
    /// hash-chained audit log, synced like everything else) are not "today's transactions".
    static func isService(_ kind: String) -> Bool { !kind.hasPrefix("audit.") }

    init(rows: [FleetKioskRow], now: Date, offlineAfter: Duration) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        var totalsByName: [String: Int] = [:]
        var kiosks: [Kiosk] = []
        kiosks.reserveCapacity(rows.count)
        for row in rows {
            let report = row.lastReportJSON.flatMap { try? decoder.decode(Report.self, from: Data($0.utf8)) }
            for (kind, count) in row.transactionsByKind where Self.isService(kind) { totalsByName[Self.serviceName(kind), default: 0] += count }
            kiosks.append(Self.kiosk(row, report: report, now: now, offlineAfter: offlineAfter))
        }
        self.kiosks = kiosks
        totals = totalsByName.map { ServiceTotal(label: $0.key, count: $0.value) }.sorted { ($0.count, $1.label) > ($1.count, $0.label) }
        let count = { (predicate: (Kiosk) -> Bool) in kiosks.reduce(0) { $0 + (predicate($1) ? 1 : 0) } }
        func tile(_ label: String, _ value: Int, loud: String) -> Tile { Tile(label: label, count: value, tone: value > 0 ? loud : "") }
        tiles = [
            Tile(label: "终端", count: kiosks.count, tone: ""),
            Tile(label: "在线", count: count(\.isOnline), tone: ""),
            tile("离线", count { !$0.isOnline }, loud: "bad"),
            tile("缺纸", count(\.paperOut), loud: "bad"),
            tile("纸将尽", count(\.paperLow), loud: "warn"),
            tile("设备故障", count(\.deviceFault), loud: "bad"),
            tile("待上传积压", count(\.backlogged), loud: "warn"),
            tile("缺号", count(\.hasGaps), loud: "bad"),
            tile("搁置", count(\.hasParked), loud: "bad"),
        ]
    }

    private static func kiosk(_ row: FleetKioskRow, report: Report?, now: Date, offlineAfter: Duration) -> Kiosk {
        let connection: Cell
        var online = false
        if let revoked = row.revokedAt {
            connection = .muted("已停用 \(shortTime(revoked, now: now))")
        } else if let last = row.lastHeartbeatAt {
            let age = now.timeIntervalSince(last)
            online = age < Double(offlineAfter.components.seconds)
            connection = online ? .ok("在线 · \(ago(age))") : .bad("离线 · \(ago(age))")
        } else {
            connection = .bad("从未上报")
        }
        // Device states are as the last report said; when the kiosk is offline they are old news,
        // and the connection cell says so.
        let cardReader: Cell = switch report?.cardReader {
        case "ready": .ok("正常")
        case "no_reader": .bad("未连接")
        case "fault": .bad("故障")
        case nil: .muted("—")
        case let other?: .warn(other)
        }
        let printer: Cell = switch report?.printer {
        case "ready": .ok("正常")
        case "paper_low": .warn("纸将尽")
        case "paper_out": .bad("缺纸")
        case "offline": .bad("离线")
        case "fault": .bad("故障")
        case nil: .muted("—")
        case let other?: .warn(other)
        }
        let camera: Cell = switch report?.camera {
        case "ready": .ok("正常")
        case "missing": .bad("未连接")
        case "fault": .bad("故障")
        case nil: .muted("—")
        case let other?: .warn(other)
        }
        let pending = report?.outbox?.pending ?? 0
        let oldest = report?.outbox?.oldestAgeSeconds
        let outbox: Cell
        var backlogged = false
        if report == nil {
            outbox = .muted("—")
        } else if pending == 0 {
            outbox = .ok("无")
        } else {
            let ageText = oldest.map { "，最早 \(ago(Double($0)))" } ?? ""
            // A few items in flight are normal; an hour-old item means sync is stuck.
            backlogged = (oldest ?? 0) >= 3600
            outbox = backlogged ? .bad("\(pending) 条\(ageText)") : .warn("\(pending) 条\(ageText)")
        }
        let missing = row.missingSeqCount
        let gaps: Cell = missing > 0 ? .bad("缺 \(missing) 条（\(row.contiguousThrough + 1) 起）") : .ok("无")
        let parkedCount = report?.outbox?.parked ?? 0
        let parked: Cell
        if parkedCount > 0 {
            // The oldest parked item says what kind of fault to look for.
            let first = report?.outbox?.parkedItems?.first.map { "（最早 #\($0.seq) \(serviceName($0.kind))：\($0.reason)）" } ?? ""
            parked = .bad("\(parkedCount) 条\(first)")
        } else {
            parked = report == nil ? .muted("—") : .ok("无")
        }
        let services = row.transactionsByKind
            .filter { isService($0.key) }
            .map { (serviceName($0.key), $0.value) }
            .sorted { ($0.1, $1.0) > ($1.1, $0.0) }
            .map { "\($0.0) \($0.1)" }.joined(separator: "，")
        let deviceFault = [cardReader, camera].contains { $0.tone == "bad" } || ["offline", "fault"].contains(report?.printer ?? "")
        let paperOut = report?.printer == "paper_out"
        let paperLow = report?.printer == "paper_low"
        let active = row.revokedAt == nil
        return Kiosk(
            deviceID: row.deviceID, shortID: String(row.deviceID.prefix(8)), office: row.office,
            connection: connection, cardReader: cardReader, printer: printer, camera: camera, outbox: outbox, gaps: gaps, parked: parked,
            version: report?.softwareVersion ?? "—", services: services.isEmpty ? "—" : services,
            attention: active && (!online || deviceFault || paperOut || backlogged || missing > 0 || parkedCount > 0),
            isOnline: online, paperOut: active && paperOut, paperLow: active && paperLow, deviceFault: active && deviceFault,
            backlogged: active && backlogged, hasGaps: missing > 0, hasParked: parkedCount > 0)
    }

    /// "刚刚", "5 分钟前", "3 小时前", "2 天前".
    static func ago(_ seconds: Double) -> String {
        let seconds = max(0, seconds)
        switch seconds {
        case ..<60: return "刚刚"
        case ..<3600: return "\(Int(seconds / 60)) 分钟前"
        case ..<86_400: return "\(Int(seconds / 3600)) 小时前"
        default: return "\(Int(seconds / 86_400)) 天前"
        }
    }

    static func shortTime(_ date: Date, now: Date) -> String { ago(now.timeIntervalSince(date)) }
}

// Mustache reads these by name through `MustacheParent` instead of reflection: with 5,000
// kiosks, building a `Mirror` for every looked-up field was most of the page's time.
extension FleetView.Kiosk: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "deviceID": deviceID
        case "shortID": shortID
        case "office": office
        case "connection": connection
        case "cardReader": cardReader
        case "printer": printer
        case "camera": camera
        case "outbox": outbox
        case "gaps": gaps
        case "parked": parked
        case "version": version
        case "services": services
        case "attention": attention
        default: nil
        }
    }
}

extension FleetView.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "tone": tone
        default: nil
        }
    }
}

extension FleetView.Tile: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "count": count
        case "tone": tone
        default: nil
        }
    }
}

extension FleetView.ServiceTotal: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "count": count
        default: nil
        }
    }
}

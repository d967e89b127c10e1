import CardEmulation
import Foundation
import TestSupport

/// The synthetic card profiles in assets/cards and byte helpers for APDU fixtures.
enum CardFixtures {
    static let profileDirectory = "\(TestEnvironment.repositoryRoot)/assets/cards"

    static func path(_ name: String) -> String { "\(profileDirectory)/\(name).json" }

    /// A profile read from assets/cards (read only: tests that write PIN state use ``copy(_:)``).
    static func profile(_ name: String) throws -> CardProfile {
        try CardProfile.load(path: path(name))
    }

    /// Copies a profile to a fresh temporary folder, because inserting it writes PIN state back.
    static func copy(_ name: String) throws -> String {
        let folder = try TestEnvironment.temporaryDirectory("card")
        let destination = "\(folder)/\(name).json"
        try FileManager.default.copyItem(atPath: path(name), toPath: destination)
        return destination
    }

    /// The profile's JSON object, for tests that break one field.
    static func jsonObject(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path(name)))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Bytes from hex text; spaces are ignored ("00 A4 04 00").
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }
}

/// An applet over a profile, with every PIN state it asked to persist.
final class AppletUnderTest {
    let applet: SocialSecurityCardApplet
    private(set) var persisted: [SocialSecurityCardApplet.PINState] = []
    var failPersisting = false

    struct PersistFailure: Error {}

    init(_ profile: CardProfile) throws {
        let image = try profile.image(file: "test")
        // Weak: the applet's closure must not keep its own owner alive.
        weak var recorder: AppletUnderTest?
        applet = SocialSecurityCardApplet(image: image) { state in
            guard let recorder, !recorder.failPersisting else { throw PersistFailure() }
            recorder.persisted.append(state)
        }
        recorder = self
    }

    convenience init(_ name: String) throws {
        try self.init(CardFixtures.profile(name))
    }

    /// Sends one APDU given as hex and returns the response.
    func send(_ hex: String) -> [UInt8] {
        applet.respond(to: CardFixtures.bytes(hex))
    }
}

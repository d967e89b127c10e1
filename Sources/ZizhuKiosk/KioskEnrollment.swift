import ArgumentParser
import Foundation
import HubAPI
import HubClient
import ZizhuConfiguration

/// Where an enrolled kiosk keeps its hub identity, under `storage.state_directory`.
enum KioskIdentityFiles {
    /// The Ed25519 private key, raw 32 bytes, mode 0600; it never leaves the kiosk.
    static func keyPath(_ settings: KioskConfiguration) -> String { "\(settings.stateDirectory)/hub-identity.key" }
    /// The device ID the hub assigned, one line.
    static func deviceIDPath(_ settings: KioskConfiguration) -> String { "\(settings.stateDirectory)/hub-device-id" }
}

struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll this kiosk with a hub using a one-time code from `zizhuctl hub enroll-code`.")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "The hub's base URL, e.g. https://hub.example.gov.cn") var hubURL: String
    @Argument(help: "The one-time enrollment code.") var code: String

    func run() async throws {
        let settings = try options.load()
        let idPath = KioskIdentityFiles.deviceIDPath(settings)
        if FileManager.default.fileExists(atPath: idPath) {
            print("already enrolled (\(idPath)); remove it and \(KioskIdentityFiles.keyPath(settings)) to enroll again")
            throw ExitCode(1)
        }
        // The folder holds the private key: only the kiosk's user may enter it.
        try FileManager.default.createDirectory(atPath: settings.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let key = try KioskKey.loadOrCreate(at: KioskIdentityFiles.keyPath(settings))
        do {
            let httpClient = try HubConnection.httpClient(trustingCertificateAt: settings.hubCACertificate)
            let enrollment = try await HubConnection(baseURL: hubURL, httpClient: httpClient).enroll(code: code, key: key)
            try (enrollment.deviceId + "\n").write(toFile: idPath, atomically: true, encoding: .utf8)
            print("enrolled as \(enrollment.deviceId) for \(enrollment.office)")
        } catch {
            print("enrollment failed: \(error)")
            throw ExitCode(1)
        }
    }
}

import CertificateVerification
import Foundation
import HubAPI
import HubClient
import TestSupport
import Testing

/// The dashboard and the verify page as a browser draws them: Debian's headless Chromium takes
/// screenshots of a hub with 20 kiosks in mixed states, at 1920×1080 and at a phone's 412×915.
///
/// `kiosk/lib/hub-dashboard-screens.sh` runs this with `ZIZHU_SCREENS_DIR=docs/screens/hub` to
/// refresh the committed pictures; otherwise they go to a temporary folder. Either way the test
/// checks that each picture has the asked size and is not blank, and that the committed ones exist.
@Suite(.timeLimit(.minutes(5)))
struct DashboardScreenshotTests {
    static let committed = "\(TestEnvironment.repositoryRoot)/docs/screens/hub"

    @Test func fleetAndVerifyPagesRenderInChromium() async throws {
        let chromium = try TestEnvironment.requireProgram("/usr/bin/chromium", package: "chromium")
        let output: String
        if let requested = ProcessInfo.processInfo.environment["ZIZHU_SCREENS_DIR"] {
            output = requested.hasPrefix("/") ? requested : "\(TestEnvironment.repositoryRoot)/\(requested)"
        } else {
            output = try TestEnvironment.temporaryDirectory("screens")
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let scratch = try TestEnvironment.temporaryDirectory("chromium")

        let fixture = try await HubFixture.start(.sqlite)
        do {
            _ = try await FleetSeeder.seed(fixture, count: 20)
            try await fixture.addStaff("wangfang", name: "王芳")
            let browser = StaffBrowser(baseURL: fixture.hub.url)
            #expect(try await browser.login("wangfang", HubFixture.staffPassword).status == 303)
            // Chromium cannot carry the test's session cookie, so it draws the page the hub
            // served to the logged-in browser: self-contained (inline style, no other resource).
            let fleet = try await browser.get("/staff/fleet")
            #expect(fleet.status == 200)
            let fleetFile = "\(scratch)/fleet.html"
            try Data(fleet.body.utf8).write(to: URL(fileURLWithPath: fleetFile))

            // A certificate printed by a kiosk, verified from a phone: Chromium asks the hub itself.
            let kiosk = try await CertificateVerifyTests.enrolledKioskWithCertificateKey(fixture)
            let issued = try IssuedCertificate.issue(CertificateVerifyTests.certificate(kioskID: kiosk.deviceID), signer: kiosk.signer)
            _ = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [try CertificateVerifyTests.printedItem(1, issued)]))
            let verifyURL = "\(fixture.hub.url)/verify/\(issued.seal.code.compact)"

            let shots: [(name: String, url: String, width: Int, height: Int)] = [
                ("fleet-1920x1080.png", "file://\(fleetFile)", 1920, 1080),
                ("fleet-phone-412x915.png", "file://\(fleetFile)", 412, 915),
                ("verify-phone-412x915.png", verifyURL, 412, 915),
            ]
            for shot in shots {
                let path = "\(output)/\(shot.name)"
                try? FileManager.default.removeItem(atPath: path)
                try await Self.screenshot(chromium, url: shot.url, to: path, width: shot.width, height: shot.height, profile: "\(scratch)/profile")
                try await Self.expectDrawn(path, width: shot.width, height: shot.height)
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()

        for name in ["fleet-1920x1080.png", "fleet-phone-412x915.png", "verify-phone-412x915.png"] {
            #expect(FileManager.default.fileExists(atPath: "\(Self.committed)/\(name)"), "run kiosk/lib/hub-dashboard-screens.sh and commit \(name)")
        }
    }

    static func screenshot(_ chromium: String, url: String, to path: String, width: Int, height: Int, profile: String) async throws {
        // As root Chromium needs --no-sandbox; its own profile folder keeps it off the user's.
        try await TestEnvironment.run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile)", "--force-device-scale-factor=1", "--window-size=\(width),\(height)",
            "--screenshot=\(path)", url,
        ])
    }

    /// The PNG has the asked size and more than one colour in quantity (not a blank page).
    static func expectDrawn(_ path: String, width: Int, height: Int) async throws {
        #expect(FileManager.default.fileExists(atPath: path))
        let identify = try TestEnvironment.requireProgram("/usr/bin/identify", package: "imagemagick")
        let facts = try await TestEnvironment.run(identify, ["-format", "%w %h %[fx:standard_deviation]", path])
        let parts = facts.split(separator: " ")
        #expect(parts.count == 3 && parts[0] == "\(width)" && parts[1] == "\(height)", "\(path): \(facts)")
        #expect((parts.count == 3 ? Double(parts[2]) ?? 0 : 0) > 0.05, "\(path) looks blank: \(facts)")
    }
}

import Foundation
import Testing
import TestSupport

/// kiosk/install.sh and kiosk/uninstall.sh as an operator would run them, in `--dry-run` mode
/// (this machine is not a kiosk): every file, unit and the user they plan, that what the systemd
/// units run is what the installer puts there, and that a dry run changes nothing.
@Suite struct ApplianceInstallTests {
    static func plan(_ script: String, _ arguments: [String]) async throws -> [String] {
        let output = try await TestEnvironment.run(TestEnvironment.script(script), arguments + ["--dry-run"])
        // Headings are bold on a terminal; the plan is the plain text.
        return output.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
            .split(separator: "\n").map(String.init)
    }

    static func has(_ plan: [String], _ fragments: String...) -> Bool {
        plan.contains { line in fragments.allSatisfy { line.contains($0) } }
    }

    @Test func installPlansPackagesBuildUserFilesAndUnits() async throws {
        let unitBefore = FileManager.default.fileExists(atPath: "/etc/systemd/system/zizhu-kiosk.service")
        let plan = try await Self.plan("install.sh", ["--no-packages"])
        let text = plan.joined(separator: "\n")
        // The release build of each installed program.
        for product in ["zizhu-kiosk", "zizhuctl", "zizhu-escpos"] {
            #expect(Self.has(plan, "would run: swift build -c release --scratch-path .build-release --product \(product)"), "\(text)")
        }
        #expect(!text.contains("zizhu-hub"), "the hub is installed only with --with-hub")
        // The user, with the groups the console and the camera need.
        #expect(Self.has(plan, "useradd --system", "--groups video,input,audio", "zizhu") || Self.has(plan, "usermod -a -G video,input,audio zizhu"), "\(text)")
        #expect(Self.has(plan, "install -d -o zizhu -g zizhu -m 0700 /var/lib/zizhu"))
        // Files.
        for destination in ["/usr/local/bin/zizhu-kiosk", "/usr/local/bin/zizhuctl", "/usr/lib/cups/backend/zizhu-escpos",
                            "/usr/lib/zizhu/xterm-kiosk.sh", "/usr/share/zizhu/assets", "/usr/share/doc/zizhu/",
                            "/etc/systemd/system/zizhu-kiosk.service", "/etc/systemd/system/zizhu-kiosk-session.service",
                            "/etc/polkit-1/rules.d/60-zizhu-pcscd.rules", "/etc/ld.so.conf.d/zizhu-swift.conf", "/usr/lib/zizhu/swift"] {
            #expect(text.contains(destination), "the plan installs \(destination)")
        }
        #expect(Self.has(plan, "rm -rf /usr/share/zizhu/assets.new/cards"), "the demo's card profiles stay behind")
        // The configuration is written only when absent, from the template.
        if FileManager.default.fileExists(atPath: "/etc/zizhu/kiosk.yaml") {
            #expect(Self.has(plan, "/etc/zizhu/kiosk.yaml exists: left as it is"))
        } else {
            #expect(Self.has(plan, "kiosk/lib/kiosk.yaml.template /etc/zizhu/kiosk.yaml", "-m 0640"))
        }
        // Staff mode's operator key, made once and kept across updates.
        #expect(Self.has(plan, "/usr/local/bin/zizhuctl operator-code --init --key-file /var/lib/zizhu/operator.key"))
        // Units: tty1 handed over, enabled, not started.
        #expect(Self.has(plan, "systemctl daemon-reload"))
        #expect(Self.has(plan, "systemctl disable getty@tty1.service"))
        #expect(Self.has(plan, "systemctl enable pcscd.socket cups.service zizhu-kiosk.service zizhu-kiosk-session.service"))
        #expect(!Self.has(plan, "would run: systemctl restart") && !Self.has(plan, "would run: systemctl start"), "units start only with --start")
        // Every absolute path the units run or read from the installed tree is one the plan installs.
        for unit in ["zizhu-kiosk.service", "zizhu-kiosk-session.service"] {
            let contents = try String(contentsOfFile: "\(TestEnvironment.repositoryRoot)/systemd/\(unit)", encoding: .utf8)
            let paths = contents.matches(of: #/(/usr/local/bin|/usr/lib/zizhu|/usr/share/zizhu)/[A-Za-z0-9._/-]+/#).map { String($0.output.0) }
            #expect(!paths.isEmpty)
            for path in paths {
                #expect(text.contains(path), "\(unit) uses \(path), which the installer must put there")
            }
        }
        // A dry run changes nothing.
        #expect(FileManager.default.fileExists(atPath: "/etc/systemd/system/zizhu-kiosk.service") == unitBefore)
    }

    @Test func installWithStartAndHubPlansThem() async throws {
        let plan = try await Self.plan("install.sh", ["--no-packages", "--no-build", "--with-hub", "--start"])
        #expect(!plan.contains { $0.contains("swift build") }, "--no-build builds nothing")
        #expect(Self.has(plan, "/usr/local/bin/zizhu-hub"))
        #expect(Self.has(plan, "/etc/systemd/system/zizhu-hub.service"))
        #expect(Self.has(plan, "systemctl restart zizhu-kiosk.service zizhu-kiosk-session.service zizhu-hub.service"))
    }

    @Test func uninstallKeepsStateUnlessPurged() async throws {
        let plan = try await Self.plan("uninstall.sh", [])
        let text = plan.joined(separator: "\n")
        for unit in ["zizhu-kiosk-session.service", "zizhu-kiosk.service", "zizhu-hub.service"] {
            #expect(Self.has(plan, "systemctl disable --now \(unit)"))
            #expect(Self.has(plan, "rm -f /etc/systemd/system/\(unit)"))
        }
        for path in ["/usr/local/bin/zizhu-kiosk", "/usr/local/bin/zizhuctl", "/usr/lib/cups/backend/zizhu-escpos",
                     "/etc/polkit-1/rules.d/60-zizhu-pcscd.rules", "/usr/lib/zizhu", "/usr/share/zizhu"] {
            #expect(text.contains("rm -f \(path)") || text.contains("rm -rf \(path)"), "uninstall removes \(path)")
        }
        #expect(Self.has(plan, "systemctl enable getty@tty1.service"))
        #expect(!text.contains("rm -rf /var/lib/zizhu") && !text.contains("userdel"), "state and user are kept")
        #expect(Self.has(plan, "Kept: /var/lib/zizhu"))

        let purge = try await Self.plan("uninstall.sh", ["--purge"])
        #expect(Self.has(purge, "rm -rf /var/lib/zizhu"))
        #expect(Self.has(purge, "rm -rf /etc/zizhu"))
        #expect(Self.has(purge, "userdel zizhu"))
    }

    @Test func unknownOptionsAreRefused() async throws {
        let answer = try await TestEnvironment.runExpectingFailure(TestEnvironment.script("install.sh"), ["--dry-run", "--frobnicate"])
        #expect(answer.contains("unknown option: --frobnicate"))
    }

    /// The configuration the installer writes is valid as shipped (all comments) and with every
    /// example setting uncommented.
    @Test func theConfigurationTemplateIsValid() async throws {
        let template = "\(TestEnvironment.repositoryRoot)/kiosk/lib/kiosk.yaml.template"
        let zizhuctl = try TestEnvironment.executable("zizhuctl")
        try await TestEnvironment.run(zizhuctl, ["config", "check", "--kind", "kiosk", template])
        let lines = try String(contentsOfFile: template, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("#kiosk:") }) else {
            Issue.record("the template has no example block starting with #kiosk:")
            return
        }
        let uncommented = lines[start...].map { $0.hasPrefix("#") ? String($0.dropFirst()) : String($0) }.joined(separator: "\n")
        let folder = try TestEnvironment.temporaryDirectory("kiosk-yaml")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(uncommented.utf8).write(to: URL(fileURLWithPath: "\(folder)/kiosk.yaml"))
        try await TestEnvironment.run(zizhuctl, ["config", "check", "--kind", "kiosk", "\(folder)/kiosk.yaml"])
        #expect(uncommented.contains("office:") && uncommented.contains("url:"))
    }
}

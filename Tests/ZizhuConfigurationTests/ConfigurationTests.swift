import Foundation
import Logging
import Testing
import ZizhuLogging
import ZizhuConfiguration

@Suite struct ConfigurationTests {
    @Test func noFileMeansDefaults() throws {
        let document = ConfigurationDocument()
        let settings = try KioskConfiguration.schema.settings(from: document, defaults: KioskConfiguration())
        #expect(settings == KioskConfiguration())
        #expect(settings.hubURL == "http://127.0.0.1:8080")
    }

    @Test func readsNestedKeys() throws {
        let yaml = """
            kiosk:
              office: 西湖区北山街道
            hub:
              url: https://hub.example.gov.cn/
            printer:
              cups_server: /tmp/cups.sock
            log:
              level: debug
              format: json
            """
        let document = try ConfigurationDocument(yaml: yaml, path: "kiosk.yaml")
        let settings = try KioskConfiguration.schema.settings(from: document, defaults: KioskConfiguration())
        #expect(settings.office == "西湖区北山街道")
        #expect(settings.hubURL == "https://hub.example.gov.cn")
        #expect(settings.cupsServer == "/tmp/cups.sock")
        #expect(settings.logLevel == .debug)
        #expect(settings.logFormat == .json)
    }

    @Test func aBadValueNamesFileLineKeyAndWhatIsAllowed() throws {
        let yaml = "hub:\n  url: ftp://hub\n"
        let document = try ConfigurationDocument(yaml: yaml, path: "/etc/zizhu/kiosk.yaml")
        let error = #expect(throws: ConfigurationError.self) {
            try KioskConfiguration.schema.settings(from: document, defaults: KioskConfiguration())
        }
        #expect(error?.origin == "/etc/zizhu/kiosk.yaml:2")
        #expect(error?.key == "hub.url")
        #expect(error?.description.contains("an http:// or https:// URL") == true)
    }

    @Test func anUnknownKeyListsTheKnownOnes() throws {
        let document = try ConfigurationDocument(yaml: "hub:\n  ulr: http://x\n", path: "k.yaml")
        let error = #expect(throws: ConfigurationError.self) {
            try KioskConfiguration.schema.settings(from: document, defaults: KioskConfiguration())
        }
        #expect(error?.key == "hub.ulr")
        #expect(error?.allowed.contains("hub.url") == true)
    }

    @Test func portsAreBounded() throws {
        let document = try ConfigurationDocument(yaml: "listen:\n  port: 70000\n", path: "hub.yaml")
        let error = #expect(throws: ConfigurationError.self) {
            try HubConfiguration.schema.settings(from: document, defaults: HubConfiguration())
        }
        #expect(error?.allowed == "a whole number from 1 to 65535")
    }

    @Test func syntaxErrorsNameTheFile() {
        let error = #expect(throws: ConfigurationError.self) {
            try ConfigurationDocument(yaml: "hub: [unclosed\n", path: "broken.yaml")
        }
        #expect(error?.origin.hasPrefix("broken.yaml") == true)
        #expect(error?.key == nil)
    }

    @Test func listsAndDuplicatesAreRefused() {
        #expect(throws: ConfigurationError.self) { try ConfigurationDocument(yaml: "hub:\n  url: [a, b]\n", path: "k.yaml") }
        #expect(throws: ConfigurationError.self) { try ConfigurationDocument(yaml: "a: 1\na: 2\n", path: "k.yaml") }
    }

    @Test func environmentOverridesTheFile() throws {
        var document = try ConfigurationDocument(yaml: "hub:\n  url: http://file\n", path: "k.yaml")
        document.applyEnvironment(["ZIZHU_HUB_URL": "http://env:9000", "ZIZHU_UNRELATED": "x"],
                                  knownKeys: KioskConfiguration.schema.keys.map(\.name))
        let settings = try KioskConfiguration.schema.settings(from: document, defaults: KioskConfiguration())
        #expect(settings.hubURL == "http://env:9000")
    }

    @Test func aMissingExplicitFileIsAnError() {
        let error = #expect(throws: ConfigurationError.self) {
            try KioskConfiguration.load(path: "/nonexistent/kiosk.yaml", environment: [:])
        }
        #expect(error?.origin == "/nonexistent/kiosk.yaml")
    }
}

/// docs/configuration.md lists exactly the keys the programs accept.
struct ConfigurationReferenceTests {
    @Test func theReferenceDocumentMatchesTheSchemas() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for (heading, schema) in [("## Kiosk keys", KioskConfiguration.schema.reference()), ("## Hub keys", HubConfiguration.schema.reference())] {
            let block = "\(heading)\n\n```\n\(schema.trimmingCharacters(in: .newlines))\n```"
            #expect(document.contains(block), "docs/configuration.md is out of date under \(heading): run kiosk/lib/update-configuration-docs.sh")
        }
    }
}

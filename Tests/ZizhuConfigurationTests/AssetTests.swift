import Foundation
import KioskCore
import Testing
import ZizhuConfiguration

/// The shipped assets load and hold what the code needs.
@Suite struct AssetTests {
    static let assetsDirectory: String = {
        let file = #filePath
        let root = file.split(separator: "/").dropLast(3).joined(separator: "/")
        return "/" + root + "/assets"
    }()

    @Test func theServiceCatalogueLoads() throws {
        let catalogue = try AssetLoader(directory: Self.assetsDirectory).serviceCatalogue()
        #expect(catalogue.services.map(\.id).contains("print-certificate"))
        #expect(catalogue.services.first { $0.id == "print-certificate" }?.worksOffline == false)
    }

    @Test func screenTextsAvoidAmbiguousWidthCharacters() throws {
        let texts = try AssetLoader(directory: Self.assetsDirectory).screenTexts()
        #expect(texts["attract.title"] == "人社自助服务")
        // Terminals draw East Asian "Ambiguous" characters (“”, ①, ※, →) one cell wide while
        // CJK fonts draw them wide; screen texts must not use them. Unicode's own table decides.
        let ambiguous = try Self.ambiguousRanges()
        for (key, text) in texts.texts {
            for scalar in text.unicodeScalars where ambiguous.contains(where: { $0.contains(scalar.value) }) {
                Issue.record("\(key) uses U+\(String(scalar.value, radix: 16, uppercase: true)) \(scalar), an ambiguous-width character")
            }
        }
    }

    static func ambiguousRanges() throws -> [ClosedRange<UInt32>] {
        let text = try String(contentsOfFile: "/usr/share/unicode/EastAsianWidth.txt", encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> ClosedRange<UInt32>? in
            let fields = line.split(separator: "#", maxSplits: 1).first?.split(separator: ";") ?? []
            guard fields.count == 2, fields[1].trimmingCharacters(in: .whitespaces) == "A" else { return nil }
            let bounds = fields[0].trimmingCharacters(in: .whitespaces).components(separatedBy: "..").compactMap { UInt32($0, radix: 16) }
            guard let low = bounds.first else { return nil }
            return low...(bounds.last ?? low)
        }
    }

    @Test func aMissingAssetsFolderSaysWhichKeyToSet() {
        let error = #expect(throws: ConfigurationError.self) {
            try AssetLoader(directory: "/nonexistent").serviceCatalogue()
        }
        #expect(error?.allowed.contains("ui.assets_directory") == true)
    }
}

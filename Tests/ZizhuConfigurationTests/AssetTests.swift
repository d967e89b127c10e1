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
        // A few East Asian "ambiguous" characters terminals draw one cell wide.
        let ambiguous: Set<Character> = ["①", "※", "○", "●", "△", "→", "…", "—", "·"]
        for (key, text) in texts.texts {
            #expect(!text.contains { ambiguous.contains($0) }, "\(key) uses an ambiguous-width character")
        }
    }

    @Test func aMissingAssetsFolderSaysWhichKeyToSet() {
        let error = #expect(throws: ConfigurationError.self) {
            try AssetLoader(directory: "/nonexistent").serviceCatalogue()
        }
        #expect(error?.allowed.contains("ui.assets_directory") == true)
    }
}

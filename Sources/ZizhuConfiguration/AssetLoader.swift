import Foundation
import KioskCore
import Yams

/// Reads the kiosk's assets: the service catalogue and the screen texts.
public struct AssetLoader: Sendable {
    /// The assets folder, e.g. `/usr/share/zizhu/assets` or the repository's `assets/`.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `services.yaml`, validated: unique ids, known capabilities.
    public func serviceCatalogue() throws(ConfigurationError) -> ServiceCatalogue {
        struct File: Decodable { var services: [ServiceEntry] }
        let path = "\(directory)/services.yaml"
        let text = try read(path)
        let file: File
        do {
            file = try YAMLDecoder().decode(File.self, from: text)
        } catch {
            throw ConfigurationError(origin: path, key: "services", problem: "cannot be decoded (\(Self.describe(error)))",
                                     allowed: "a list of entries with id, title, needs (\(Capability.allCases.map(\.rawValue).joined(separator: ", "))) and works_offline")
        }
        var seen: Set<String> = []
        for service in file.services where !seen.insert(service.id).inserted {
            throw ConfigurationError(origin: path, key: "services", problem: "the id \(service.id) appears twice", allowed: "unique ids")
        }
        return ServiceCatalogue(services: file.services)
    }

    /// Screen texts for a language, flattened to dotted keys (`attract.title`).
    public func screenTexts(language: String = "zh-CN") throws(ConfigurationError) -> ScreenTexts {
        let path = "\(directory)/texts/\(language).yaml"
        let document = try ConfigurationDocument(yaml: try read(path), path: path)
        return ScreenTexts(path: path, texts: document.entries.mapValues(\.text))
    }

    private func read(_ path: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(origin: path, key: nil, problem: "cannot be read",
                                     allowed: "a UTF-8 file; set ui.assets_directory to the folder holding services.yaml and texts/")
        }
        return text
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \(key.stringValue) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default:
            return "\(error)"
        }
    }
}

/// Screen texts by key. A missing key is a packaging fault, caught at start-up by ``require(_:)``.
public struct ScreenTexts: Sendable {
    public let path: String
    public let texts: [String: String]

    /// Checks that every key the program uses is present.
    public func require(_ keys: [String]) throws(ConfigurationError) {
        for key in keys where texts[key] == nil {
            throw ConfigurationError(origin: path, key: key, problem: "is missing", allowed: "a text for every screen key")
        }
    }

    public subscript(key: String) -> String { texts[key] ?? key }
}

import CameraCapture
import Foundation
import KioskCore
@testable import Liveness
import Testing

/// The cascade loader on Debian's real files and on broken ones: each problem is a typed
/// `CascadeLoadError`, never a crash.
@Suite struct HaarCascadeLoaderTests {
    static let directory = HaarCascade.debianDirectory

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }

    static func loadError(_ xml: String) -> CascadeLoadError? {
        do {
            _ = try HaarCascade(xml: Data(xml.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func theKioskCascadesLoadWithTheShapesLivenessMdLists() throws {
        // liveness.md §1.1: window, stages, weak trees, nodes per tree, tilted features.
        let expected: [(HaarCascade.Name, Int, Int, Int, Bool)] = [
            (.frontalFaceAlt2, 20, 1047, 2, false),
            (.eye, 24, 1066, 1, false),
            (.eyeTreeEyeglasses, 30, 851, 3, true),
            (.profileFace, 26, 2609, 1, false),
        ]
        for (name, stages, trees, nodes, tilted) in expected {
            let cascade = try HaarCascade.load(name)
            #expect(cascade.windowWidth == 20 && cascade.windowHeight == 20, "\(name)")
            #expect(cascade.stages.count == stages, "\(name)")
            #expect(cascade.stages.reduce(0) { $0 + $1.trees.count } == trees, "\(name)")
            #expect(cascade.stages.flatMap(\.trees).map(\.nodes.count).max() == nodes, "\(name)")
            #expect(cascade.hasTiltedFeatures == tilted, "\(name)")
            #expect(cascade.isStumpBased == (nodes == 1), "\(name)")
        }
    }

    @Test func everyShippedHaarCascadeLoadsExceptTheOldStyleOne() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".xml") }.sorted()
        #expect(names.count >= 17)
        for name in names {
            let result = Result { () throws(CascadeLoadError) -> HaarCascade in try HaarCascade.load(contentsOf: Self.directory.appendingPathComponent(name)) }
            if name == "haarcascade_licence_plate_rus_16stages.xml" {
                guard case .failure(.unsupported(let reason)) = result else {
                    Issue.record("the old-style licence-plate cascade must be refused as unsupported, got \(result)")
                    continue
                }
                #expect(reason.contains("old-style"))
            } else {
                #expect(throws: Never.self, "\(name)") { try result.get() }
            }
        }
    }

    @Test func lbpCascadesAreRefusedAsUnsupported() throws {
        let url = URL(fileURLWithPath: "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml")
        #expect(throws: CascadeLoadError.unsupported("feature type LBP (only HAAR)")) { try HaarCascade.load(contentsOf: url) }
    }

    @Test func missingAndUnreadableFilesAreTypedErrors() throws {
        let missing = URL(fileURLWithPath: "/nonexistent/haarcascade_frontalface_alt2.xml")
        #expect { try HaarCascade.load(contentsOf: missing) } throws: { error in
            guard let error = error as? CascadeLoadError, case .unreadable(let path, _) = error else { return false }
            return path == missing.path && error.responsibleParty == .technician
        }
        #expect { try HaarCascade.load(contentsOf: URL(fileURLWithPath: "/usr/share/opencv4")) } throws: { error in
            guard case .unreadable? = error as? CascadeLoadError else { return false }
            return true
        }
    }

    @Test func brokenDocumentsSayWhatIsWrong() {
        #expect({ if case .malformedXML? = Self.loadError("<opencv_storage><cascade>") { true } else { false } }())
        #expect({ if case .malformedXML? = Self.loadError("") { true } else { false } }())
        #expect({ if case .notACascade? = Self.loadError("<html/>") { true } else { false } }())
        #expect({ if case .notACascade? = Self.loadError("<opencv_storage></opencv_storage>") { true } else { false } }())
        #expect({ if case .notACascade? = Self.loadError("<opencv_storage><cascade type_id=\"x\"/></opencv_storage>") { true } else { false } }())
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><opencv_storage>&b;</opencv_storage>"
        #expect({ if case .notACascade? = Self.loadError(bomb) { true } else { false } }())
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect(Self.loadError("<opencv_storage>\(deep)</opencv_storage>") == .tooLarge("elements nested deeper than 32"))
    }

    /// A small real cascade: alt2's first three stages.
    static func smallAlt2() throws -> String {
        CascadeXMLWriter.xml(try HaarCascade.load(.frontalFaceAlt2), stages: 3)
    }

    @Test func aWrittenCascadeReadsBackTheSame() throws {
        let alt2 = try HaarCascade.load(.frontalFaceAlt2)
        let again = try HaarCascade(xml: Data(CascadeXMLWriter.xml(alt2).utf8))
        #expect(again.features == alt2.features)
        #expect(again.stages.map(\.trees) == alt2.stages.map(\.trees))
        for (a, b) in zip(again.stages, alt2.stages) { #expect(abs(a.threshold - b.threshold) <= b.threshold.ulp * 2) }
        let small = try HaarCascade(xml: Data(Self.smallAlt2().utf8))
        #expect(small.stages.count == 3 && small.stages.map(\.trees.count) == alt2.stages.prefix(3).map(\.trees.count))
    }

    @Test func inconsistentNumbersAreRefusedWithThePath() throws {
        let good = try Self.smallAlt2()
        #expect(throws: Never.self) { try HaarCascade(xml: Data(good.utf8)) }
        func mutated(_ from: String, _ to: String) -> CascadeLoadError? {
            guard let range = good.range(of: from) else { Issue.record("\(from) not in the small cascade"); return nil }
            return Self.loadError(good.replacingCharacters(in: range, with: to))
        }
        func isInconsistent(_ error: CascadeLoadError?) -> Bool { if case .inconsistent? = error { true } else { false } }
        // A child pointing back at its own node would loop for ever.
        #expect(isInconsistent(mutated(" -1 -2 1 ", " 1 -2 1 ")))
        // A feature index past the list, a rectangle outside the 20×20 window, a leaf too few.
        #expect(isInconsistent(mutated("<internalNodes>\n            0 1 0 ", "<internalNodes>\n            0 1 9999 ")))
        #expect(isInconsistent(mutated("<_>\n          2 7 16 4 -1.0</_>", "<_>\n          2 7 19 4 -1.0</_>")))
        #expect(isInconsistent(mutated("<stageNum>3</stageNum>", "<stageNum>4</stageNum>")))
        let oneLeafLess = good.replacingOccurrences(of: #"<leafValues>\n\s+\S+ "#, with: "<leafValues>\n", options: .regularExpression)
        #expect(isInconsistent(Self.loadError(oneLeafLess)))
        #expect({ if case .invalidNumber? = mutated("<height>20</height>", "<height>twenty</height>") { true } else { false } }())
        #expect(Self.loadError(good.replacingOccurrences(of: "stageThreshold>", with: "threshold>")) == .missingElement("cascade/stages/_[0]/stageThreshold"))
    }
}

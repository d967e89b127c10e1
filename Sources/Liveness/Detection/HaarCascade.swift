import Foundation

/// A boosted Haar cascade as OpenCV 4 stores it (`type_id="opencv-cascade-classifier"`,
/// liveness.md §1.2), checked so that evaluating it can never index outside its own tables or
/// outside a detection window. Numbers are kept with OpenCV's types: node thresholds and leaves
/// as `Float` (parsed as `Double`, then narrowed, as `FileNode`'s `(float)` cast does), stage
/// thresholds already lowered by OpenCV's `THRESHOLD_EPS`.
public struct HaarCascade: Sendable {
    /// One rectangle of a Haar feature, in window coordinates, with its weight.
    public struct WeightedRectangle: Hashable, Sendable {
        public let x: Int
        public let y: Int
        public let width: Int
        public let height: Int
        public let weight: Float
    }

    /// A feature: 1–3 weighted rectangles, upright or tilted by 45°.
    public struct Feature: Hashable, Sendable {
        public let rectangles: [WeightedRectangle]
        public let tilted: Bool
    }

    /// One tree node: go `left` if the normalised feature value is below `threshold`. A child
    /// `> 0` is a node index within the same tree; `≤ 0` is a leaf, `-child` into the tree's leaves.
    public struct Node: Hashable, Sendable {
        public let featureIndex: Int
        public let threshold: Float
        public let left: Int
        public let right: Int
    }

    public struct Tree: Hashable, Sendable {
        public let nodes: [Node]
        /// `nodes.count + 1` values.
        public let leaves: [Float]
    }

    public struct Stage: Hashable, Sendable {
        /// The stage threshold from the file minus `1e-5` in `Float`, as `Data::read` stores it.
        public let threshold: Float
        public let trees: [Tree]
    }

    public let windowWidth: Int
    public let windowHeight: Int
    public let stages: [Stage]
    public let features: [Feature]

    /// Every tree a single node: OpenCV then evaluates "stumps", which always take leaf 0 on the
    /// left and leaf 1 on the right whatever the child numbers say.
    public var isStumpBased: Bool { stages.allSatisfy { $0.trees.allSatisfy { $0.nodes.count == 1 } } }
    public var hasTiltedFeatures: Bool { features.contains { $0.tilted } }

    // MARK: Loading

    /// Where Debian's opencv-data installs the Haar cascades.
    public static let debianDirectory = URL(fileURLWithPath: "/usr/share/opencv4/haarcascades")

    /// The cascades the kiosk uses, by their Debian file names.
    public enum Name: String, Sendable, CaseIterable {
        case frontalFaceAlt2 = "haarcascade_frontalface_alt2.xml"
        case eye = "haarcascade_eye.xml"
        case eyeTreeEyeglasses = "haarcascade_eye_tree_eyeglasses.xml"
        case profileFace = "haarcascade_profileface.xml"
    }

    /// Limits far above any shipped cascade (the largest, alt_tree, has 47 stages and 8468 trees).
    public static let maximumFileBytes = 32 << 20
    static let maximumWindowSide = 1000
    static let maximumStages = 1000
    static let maximumTreesPerStage = 10_000
    static let maximumNodesPerTree = 64
    static let maximumTotalNodes = 1_000_000

    public static func load(_ name: Name, from directory: URL = debianDirectory) throws(CascadeLoadError) -> HaarCascade {
        try load(contentsOf: directory.appendingPathComponent(name.rawValue))
    }

    public static func load(contentsOf url: URL) throws(CascadeLoadError) -> HaarCascade {
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            // Read one byte more than allowed to tell "at the limit" from "over it".
            data = try handle.read(upToCount: maximumFileBytes + 1) ?? Data()
        } catch {
            throw .unreadable(path: url.path, reason: (error as NSError).localizedDescription)
        }
        guard data.count <= maximumFileBytes else { throw .tooLarge("file over \(maximumFileBytes) bytes") }
        return try HaarCascade(xml: data)
    }

    /// Parses and checks a cascade from the bytes of its XML file.
    public init(xml data: Data) throws(CascadeLoadError) {
        guard data.count <= Self.maximumFileBytes else { throw .tooLarge("file over \(Self.maximumFileBytes) bytes") }
        // Cascades are ASCII. FoundationXML traps on element names that are not valid UTF-8
        // (it force-unwraps the conversion), so such bytes never reach it.
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .notACascade("the file is not valid UTF-8 text")
        }
        // OpenCV's storage format has no document type; refusing one keeps entity expansion
        // (a few hundred bytes that expand to gigabytes) away from the XML parser.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw .notACascade("the file declares a document type or entities, which OpenCV storage files never do")
        }
        let root = try CascadeXMLElement.parse(data)
        guard root.name == "opencv_storage" else { throw .notACascade("the root element is <\(root.name)>, not <opencv_storage>") }
        // OpenCV reads the first top-level node as the cascade.
        guard let cascade = root.children.first else { throw .notACascade("<opencv_storage> is empty") }
        // OpenCV tells the formats apart by content, not by `type_id` (the cat-face and plate
        // cascades have none): new-style files have `stageType`, old-style ones `stages` with
        // `trees` inside.
        switch cascade.attributes["type_id"] {
        case "opencv-cascade-classifier": break
        case "opencv-haar-classifier":
            throw .unsupported("old-style haartraining cascade (type_id opencv-haar-classifier); OpenCV 4 only converts these in memory")
        case nil where cascade.child("stageType") != nil: break
        case let other:
            throw .notACascade("<\(cascade.name)> has type_id \(other.map { "\"\($0)\"" } ?? "none") and no stageType")
        }
        let base = cascade.name
        let stageType = try Self.text(cascade, "stageType", base)
        guard stageType == "BOOST" else { throw .unsupported("stage type \(stageType.prefix(20)) (only BOOST)") }
        let featureType = try Self.text(cascade, "featureType", base)
        guard featureType == "HAAR" else { throw .unsupported("feature type \(featureType.prefix(20)) (only HAAR)") }

        let width = try Self.integer(cascade, "width", base)
        let height = try Self.integer(cascade, "height", base)
        guard width > 2, height > 2 else {
            throw .inconsistent(path: base, reason: "window \(width)×\(height) leaves no normalisation area")
        }
        guard width <= Self.maximumWindowSide, height <= Self.maximumWindowSide else {
            throw .tooLarge("window \(width)×\(height)")
        }
        guard let featureParameters = cascade.child("featureParams") else { throw .missingElement("\(base)/featureParams") }
        // Absent means 0, as OpenCV reads an empty node.
        let categories = featureParameters.child("maxCatCount") == nil ? 0 : try Self.integer(featureParameters, "maxCatCount", "\(base)/featureParams")
        guard categories == 0 else {
            throw .unsupported("categorical (LBP-style) nodes with maxCatCount \(categories) in a HAAR cascade")
        }

        guard let stagesElement = cascade.child("stages") else { throw .missingElement("\(base)/stages") }
        guard !stagesElement.children.isEmpty else { throw .inconsistent(path: "\(base)/stages", reason: "no stages") }
        guard stagesElement.children.count <= Self.maximumStages else { throw .tooLarge("\(stagesElement.children.count) stages") }
        if cascade.child("stageNum") != nil {
            let declared = try Self.integer(cascade, "stageNum", base)
            guard declared == stagesElement.children.count else {
                throw .inconsistent(path: "\(base)/stageNum", reason: "says \(declared), the file has \(stagesElement.children.count) stages")
            }
        }

        guard let featuresElement = cascade.child("features") else { throw .missingElement("\(base)/features") }
        guard !featuresElement.children.isEmpty else { throw .inconsistent(path: "\(base)/features", reason: "no features") }
        guard featuresElement.children.count <= Self.maximumTotalNodes else { throw .tooLarge("\(featuresElement.children.count) features") }
        var features: [Feature] = []
        features.reserveCapacity(featuresElement.children.count)
        for (index, element) in featuresElement.children.enumerated() {
            features.append(try Self.feature(element, path: "\(base)/features/_[\(index)]", width: width, height: height))
        }

        var stages: [Stage] = []
        var totalNodes = 0
        for (stageIndex, stageElement) in stagesElement.children.enumerated() {
            let path = "\(base)/stages/_[\(stageIndex)]"
            let threshold = try Self.real(stageElement, "stageThreshold", path)
            guard let weakElement = stageElement.child("weakClassifiers") else { throw .missingElement("\(path)/weakClassifiers") }
            guard !weakElement.children.isEmpty else { throw .inconsistent(path: "\(path)/weakClassifiers", reason: "no trees") }
            guard weakElement.children.count <= Self.maximumTreesPerStage else { throw .tooLarge("\(weakElement.children.count) trees in stage \(stageIndex)") }
            if stageElement.child("maxWeakCount") != nil {
                let declared = try Self.integer(stageElement, "maxWeakCount", path)
                guard declared == weakElement.children.count else {
                    throw .inconsistent(path: "\(path)/maxWeakCount", reason: "says \(declared), the stage has \(weakElement.children.count) trees")
                }
            }
            var trees: [Tree] = []
            trees.reserveCapacity(weakElement.children.count)
            for (treeIndex, treeElement) in weakElement.children.enumerated() {
                let tree = try Self.tree(treeElement, path: "\(path)/weakClassifiers/_[\(treeIndex)]", featureCount: features.count)
                totalNodes += tree.nodes.count
                guard totalNodes <= Self.maximumTotalNodes else { throw .tooLarge("more than \(Self.maximumTotalNodes) tree nodes") }
                trees.append(tree)
            }
            // `(float)stageThreshold - THRESHOLD_EPS` with THRESHOLD_EPS = 1e-5f.
            stages.append(Stage(threshold: Float(threshold) - Float(1e-5), trees: trees))
        }

        // OpenCV evaluates an all-stump cascade with `predictOrderedStump`, which reads leaf 0 for
        // "below the threshold" and leaf 1 otherwise regardless of the child numbers; storing
        // the children that way makes one evaluator exact for both.
        if stages.allSatisfy({ $0.trees.allSatisfy { $0.nodes.count == 1 } }) {
            stages = stages.map { stage in
                Stage(threshold: stage.threshold, trees: stage.trees.map { tree in
                    let node = tree.nodes[0]
                    return Tree(nodes: [Node(featureIndex: node.featureIndex, threshold: node.threshold, left: 0, right: -1)], leaves: tree.leaves)
                })
            }
        }

        self.windowWidth = width
        self.windowHeight = height
        self.stages = stages
        self.features = features
    }

    // MARK: Element readers

    private static func text(_ element: CascadeXMLElement, _ name: String, _ path: String) throws(CascadeLoadError) -> String {
        guard let child = element.child(name) else { throw .missingElement("\(path)/\(name)") }
        return child.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func integer(_ element: CascadeXMLElement, _ name: String, _ path: String) throws(CascadeLoadError) -> Int {
        let value = try text(element, name, path)
        guard let number = Int32(value) else { throw .invalidNumber(path: "\(path)/\(name)", text: value) }
        return Int(number)
    }

    private static func real(_ element: CascadeXMLElement, _ name: String, _ path: String) throws(CascadeLoadError) -> Double {
        let value = try text(element, name, path)
        guard let number = Double(value), number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw .invalidNumber(path: "\(path)/\(name)", text: value)
        }
        return number
    }

    private static func tokens(_ element: CascadeXMLElement) -> [Substring] {
        element.text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" })
    }

    private static func finiteFloat(_ token: Substring, path: String) throws(CascadeLoadError) -> Float {
        guard let number = Double(token), number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) else {
            throw .invalidNumber(path: path, text: String(token))
        }
        return Float(number)
    }

    private static func int32(_ token: Substring, path: String) throws(CascadeLoadError) -> Int {
        guard let number = Int32(token) else { throw .invalidNumber(path: path, text: String(token)) }
        return Int(number)
    }

    private static func tree(_ element: CascadeXMLElement, path: String, featureCount: Int) throws(CascadeLoadError) -> Tree {
        guard let internalNodes = element.child("internalNodes") else { throw .missingElement("\(path)/internalNodes") }
        guard let leafValues = element.child("leafValues") else { throw .missingElement("\(path)/leafValues") }
        let nodeTokens = tokens(internalNodes)
        let leafTokens = tokens(leafValues)
        // HAAR nodes are `left right featureIdx threshold`.
        guard !nodeTokens.isEmpty, nodeTokens.count % 4 == 0 else {
            throw .inconsistent(path: "\(path)/internalNodes", reason: "\(nodeTokens.count) numbers, not a positive multiple of 4")
        }
        let nodeCount = nodeTokens.count / 4
        guard nodeCount <= maximumNodesPerTree else { throw .tooLarge("\(nodeCount) nodes in one tree at \(path)") }
        // OpenCV advances its leaf offset by nodeCount + 1 per tree, so any other count would
        // shift every later tree's leaves.
        guard leafTokens.count == nodeCount + 1 else {
            throw .inconsistent(path: "\(path)/leafValues", reason: "\(leafTokens.count) leaves for \(nodeCount) nodes (needs \(nodeCount + 1))")
        }
        var nodes: [Node] = []
        nodes.reserveCapacity(nodeCount)
        for index in 0..<nodeCount {
            let nodePath = "\(path)/internalNodes"
            let left = try int32(nodeTokens[4 * index], path: nodePath)
            let right = try int32(nodeTokens[4 * index + 1], path: nodePath)
            let feature = try int32(nodeTokens[4 * index + 2], path: nodePath)
            let threshold = try finiteFloat(nodeTokens[4 * index + 3], path: nodePath)
            guard feature >= 0, feature < featureCount else {
                throw .inconsistent(path: nodePath, reason: "node \(index) uses feature \(feature); the file has \(featureCount)")
            }
            for child in [left, right] {
                if child > 0 {
                    // Children after their parent: evaluation always ends at a leaf.
                    guard child > index, child < nodeCount else {
                        throw .inconsistent(path: nodePath, reason: "node \(index) has child node \(child) (must be after it and below \(nodeCount))")
                    }
                } else {
                    guard -child <= nodeCount else {
                        throw .inconsistent(path: nodePath, reason: "node \(index) has leaf \(-child); the tree has \(nodeCount + 1)")
                    }
                }
            }
            nodes.append(Node(featureIndex: feature, threshold: threshold, left: left, right: right))
        }
        var leaves: [Float] = []
        leaves.reserveCapacity(leafTokens.count)
        for token in leafTokens { leaves.append(try finiteFloat(token, path: "\(path)/leafValues")) }
        return Tree(nodes: nodes, leaves: leaves)
    }

    private static func feature(_ element: CascadeXMLElement, path: String, width: Int, height: Int) throws(CascadeLoadError) -> Feature {
        guard let rectsElement = element.child("rects") else { throw .missingElement("\(path)/rects") }
        guard (1...3).contains(rectsElement.children.count) else {
            throw .inconsistent(path: "\(path)/rects", reason: "\(rectsElement.children.count) rectangles (1 to 3 allowed)")
        }
        var tilted = false
        if element.child("tilted") != nil {
            tilted = try integer(element, "tilted", path) != 0
        }
        var rectangles: [WeightedRectangle] = []
        for (index, rectElement) in rectsElement.children.enumerated() {
            let rectPath = "\(path)/rects/_[\(index)]"
            let values = tokens(rectElement)
            guard values.count == 5 else { throw .inconsistent(path: rectPath, reason: "\(values.count) numbers, not x y w h weight") }
            let x = try int32(values[0], path: rectPath), y = try int32(values[1], path: rectPath)
            let w = try int32(values[2], path: rectPath), h = try int32(values[3], path: rectPath)
            let weight = try finiteFloat(values[4], path: rectPath)
            // OpenCV's own input checks (Feature::read), plus non-negative sizes and the tilted
            // rectangle's real extent (x - h … x + w, y … y + w + h), so every integral read
            // stays inside the window.
            let inside = tilted
                ? (w >= 0 && h >= 0 && y >= 0 && x < width && y < height && x - h >= 0 && x + w <= width && y + w + h <= height)
                : (x >= 0 && y >= 0 && w >= 0 && h >= 0 && x < width && y < height && x + w <= width && y + h <= height)
            guard inside else {
                throw .inconsistent(path: rectPath, reason: "rectangle \(x) \(y) \(w) \(h)\(tilted ? " (tilted)" : "") leaves the \(width)×\(height) window")
            }
            rectangles.append(WeightedRectangle(x: x, y: y, width: w, height: h, weight: weight))
        }
        return Feature(rectangles: rectangles, tilted: tilted)
    }
}

@testable import Liveness

/// Writes a cascade in OpenCV's new-style XML layout (as Debian's files are laid out), so tests
/// can cut a real cascade down to a small real one and mutate it.
enum CascadeXMLWriter {
    static func xml(_ cascade: HaarCascade) -> String {
        xml(cascade, stages: cascade.stages.count)
    }

    /// The first `stageCount` stages of a real cascade with only the features they use,
    /// renumbered in order of first use.
    static func xml(_ cascade: HaarCascade, stages stageCount: Int) -> String {
        let stages = cascade.stages.prefix(stageCount)
        var renumbered: [Int: Int] = [:]
        var features: [HaarCascade.Feature] = []
        for stage in stages {
            for tree in stage.trees {
                for node in tree.nodes where renumbered[node.featureIndex] == nil {
                    renumbered[node.featureIndex] = features.count
                    features.append(cascade.features[node.featureIndex])
                }
            }
        }
        var text = "<?xml version=\"1.0\"?>\n<opencv_storage>\n<cascade type_id=\"opencv-cascade-classifier\"><stageType>BOOST</stageType>\n"
        text += "  <featureType>HAAR</featureType>\n  <height>\(cascade.windowHeight)</height>\n  <width>\(cascade.windowWidth)</width>\n"
        text += "  <stageParams>\n    <maxWeakCount>\(stages.map(\.trees.count).max() ?? 0)</maxWeakCount></stageParams>\n"
        text += "  <featureParams>\n    <maxCatCount>0</maxCatCount></featureParams>\n  <stageNum>\(stages.count)</stageNum>\n  <stages>\n"
        for stage in stages {
            // The stored threshold has OpenCV's 1e-5 taken off; the file holds it before that.
            let threshold = Double(stage.threshold + Float(1e-5))
            text += "    <_>\n      <maxWeakCount>\(stage.trees.count)</maxWeakCount>\n      <stageThreshold>\(threshold)</stageThreshold>\n      <weakClassifiers>\n"
            for tree in stage.trees {
                let nodes = tree.nodes.map { "\($0.left) \($0.right) \(renumbered[$0.featureIndex]!) \(Double($0.threshold))" }.joined(separator: " ")
                let leaves = tree.leaves.map { "\(Double($0))" }.joined(separator: " ")
                text += "        <_>\n          <internalNodes>\n            \(nodes)</internalNodes>\n          <leafValues>\n            \(leaves)</leafValues></_>\n"
            }
            text += "      </weakClassifiers></_>\n"
        }
        text += "  </stages>\n  <features>\n"
        for feature in features {
            text += "    <_>\n      <rects>\n"
            for r in feature.rectangles {
                text += "        <_>\n          \(r.x) \(r.y) \(r.width) \(r.height) \(Double(r.weight))</_>\n"
            }
            text += "      </rects>\(feature.tilted ? "\n      <tilted>1</tilted>" : "")</_>\n"
        }
        text += "  </features></cascade>\n</opencv_storage>\n"
        return text
    }
}

/// OpenCV's `groupRectangles` (without weights) and `clipObjects`, exactly: equivalence classes
/// of "similar" rectangles by OpenCV's `partition`, averaged in Float, classes with too few
/// members dropped, and small classes inside bigger, better-supported ones dropped.
enum RectangleGrouping {
    static func group(_ rectangles: [FaceRectangle], threshold: Int, eps: Double) -> [FaceRectangle] {
        guard threshold > 0, !rectangles.isEmpty else { return rectangles }
        let (labels, classCount) = partition(rectangles, eps: eps)
        var sums = [FaceRectangle](repeating: FaceRectangle(x: 0, y: 0, width: 0, height: 0), count: classCount)
        var counts = [Int](repeating: 0, count: classCount)
        for (index, label) in labels.enumerated() {
            sums[label].x += rectangles[index].x
            sums[label].y += rectangles[index].y
            sums[label].width += rectangles[index].width
            sums[label].height += rectangles[index].height
            counts[label] += 1
        }
        let averages = (0..<classCount).map { label -> FaceRectangle in
            let s = Float(1) / Float(counts[label])
            let r = sums[label]
            return FaceRectangle(x: roundEven(Float(r.x) * s), y: roundEven(Float(r.y) * s),
                                 width: roundEven(Float(r.width) * s), height: roundEven(Float(r.height) * s))
        }
        var kept: [FaceRectangle] = []
        for i in 0..<classCount {
            let r1 = averages[i], n1 = counts[i]
            if n1 <= threshold { continue }
            var inside = false
            for j in 0..<classCount where j != i {
                let n2 = counts[j]
                if n2 <= threshold { continue }
                let r2 = averages[j]
                let dx = roundEven(Double(r2.width) * eps), dy = roundEven(Double(r2.height) * eps)
                if r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3) {
                    inside = true
                    break
                }
            }
            if !inside { kept.append(r1) }
        }
        return kept
    }

    /// `SimilarRects`: all four edges within `eps · (min widths + min heights) / 2`.
    static func similar(_ a: FaceRectangle, _ b: FaceRectangle, eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }

    /// OpenCV's `partition` (union by rank with path compression, classes numbered in order of
    /// first appearance), so labels and the output order match OpenCV's on one thread.
    static func partition(_ items: [FaceRectangle], eps: Double) -> (labels: [Int], classes: Int) {
        let count = items.count
        var parent = [Int](repeating: -1, count: count)
        var rank = [Int](repeating: 0, count: count)
        for i in 0..<count {
            var root = i
            while parent[root] >= 0 { root = parent[root] }
            for j in 0..<count {
                if i == j || !similar(items[i], items[j], eps: eps) { continue }
                var root2 = j
                while parent[root2] >= 0 { root2 = parent[root2] }
                if root2 != root {
                    let rank1 = rank[root], rank2 = rank[root2]
                    if rank1 > rank2 {
                        parent[root2] = root
                    } else {
                        parent[root] = root2
                        if rank1 == rank2 { rank[root2] += 1 }
                        root = root2
                    }
                    var k = j
                    while parent[k] >= 0 { let next = parent[k]; parent[k] = root; k = next }
                    k = i
                    while parent[k] >= 0 { let next = parent[k]; parent[k] = root; k = next }
                }
            }
        }
        var labels = [Int](repeating: 0, count: count)
        var classes = 0
        // OpenCV reuses the rank slot of a root as its label, marked by going negative.
        var label = [Int](repeating: -1, count: count)
        for i in 0..<count {
            var root = i
            while parent[root] >= 0 { root = parent[root] }
            if label[root] < 0 {
                label[root] = classes
                classes += 1
            }
            labels[i] = label[root]
        }
        return (labels, classes)
    }

    /// `clipObjects`: each rectangle cut to the image, empty ones dropped.
    static func clip(_ rectangles: [FaceRectangle], width: Int, height: Int) -> [FaceRectangle] {
        let image = FaceRectangle(x: 0, y: 0, width: width, height: height)
        return rectangles.compactMap { rectangle in
            let clipped = image.intersection(rectangle)
            return clipped.isEmpty ? nil : clipped
        }
    }
}

import CameraCapture

/// A pure-Swift Viola–Jones detector that reproduces OpenCV 4.6's
/// `CascadeClassifier::detectMultiScale` (CPU path) exactly: the same scales, the same
/// bit-exact `INTER_LINEAR_EXACT` image pyramid, the same integral images, the same variance
/// normalisation and flat-window rejection, the same Float/Double arithmetic in the same order,
/// the same scan with its stage-0 skip, then `groupRectangles` and `clipObjects`
/// (liveness.md §1.3; the oracle tests compare it with OpenCV itself).
///
/// Immutable and `Sendable`; each call allocates its own scratch buffers, so one detector can
/// serve several threads.
public struct CascadeDetector: Sendable {
    public let cascade: HaarCascade
    let plan: EvaluationPlan

    public init(cascade: HaarCascade) {
        self.cascade = cascade
        self.plan = EvaluationPlan(cascade)
    }

    /// Detections grouped as OpenCV groups them (`minNeighbors` from the settings; 0 returns the
    /// raw candidates), clipped to the image.
    public func detect(in image: GrayImage, settings: DetectionSettings) -> [FaceRectangle] {
        Self.group(rawWindows(in: image, settings: settings), minNeighbors: settings.minNeighbors,
                   imageWidth: image.width, imageHeight: image.height)
    }

    /// The second half of `detect`: OpenCV's `groupRectangles(…, minNeighbors, 0.2)` and
    /// `clipObjects` on raw windows, so one scan can be grouped several ways.
    public static func group(_ rawWindows: [FaceRectangle], minNeighbors: Int, imageWidth: Int, imageHeight: Int) -> [FaceRectangle] {
        let grouped = RectangleGrouping.group(rawWindows, threshold: minNeighbors, eps: 0.2)
        return RectangleGrouping.clip(grouped, width: imageWidth, height: imageHeight)
    }

    /// Every window that passed all stages, unclipped and in scan order (scale, row, column):
    /// what OpenCV's `detectMultiScaleNoGrouping` collects on one thread.
    /// A scale factor that is not a finite number above 1 (OpenCV asserts) finds nothing.
    public func rawWindows(in image: GrayImage, settings: DetectionSettings) -> [FaceRectangle] {
        guard settings.scaleFactor > 1, settings.scaleFactor.isFinite else { return [] }
        let scales = Self.scales(imageWidth: image.width, imageHeight: image.height,
                                 windowWidth: cascade.windowWidth, windowHeight: cascade.windowHeight, settings: settings)
        guard !scales.isEmpty else { return [] }
        return image.pixels.withUnsafeBufferPointer { pixels in
            plan.scan(pixels.baseAddress!, width: image.width, height: image.height, scales: scales)
        }
    }

    /// The scale list of `detectMultiScaleNoGrouping` (liveness.md §1.3 step 1).
    static func scales(imageWidth: Int, imageHeight: Int, windowWidth: Int, windowHeight: Int, settings: DetectionSettings) -> [Float] {
        guard imageWidth >= windowWidth, imageHeight >= windowHeight else { return [] }
        var maxSize = settings.maxSize
        if maxSize.width == 0 || maxSize.height == 0 { maxSize = PixelSize(width: imageWidth, height: imageHeight) }
        var all: [Float] = []
        var factor = 1.0
        while true {
            let w = roundEven(Double(windowWidth) * factor), h = roundEven(Double(windowHeight) * factor)
            if w > imageWidth || h > imageHeight { break }
            all.append(Float(factor))
            factor *= settings.scaleFactor
            if all.count > 10_000 { break } // a scale factor of 1 + 1e-12 would otherwise run for ever
        }
        var chosen: [Float] = []
        for scale in all {
            let w = roundEven(Float(windowWidth) * scale), h = roundEven(Float(windowHeight) * scale)
            if w > maxSize.width || h > maxSize.height { break }
            if w < settings.minSize.width || h < settings.minSize.height { continue }
            chosen.append(scale)
        }
        if chosen.isEmpty, !all.isEmpty {
            var best = 0
            var bestDistance = Double.infinity
            for (index, scale) in all.enumerated() {
                let w = roundEven(Float(windowWidth) * scale), h = roundEven(Float(windowHeight) * scale)
                let dw = settings.minSize.width - w, dh = settings.minSize.height - h
                let distance = Double(dw * dw + dh * dh)
                if distance < bestDistance { best = index; bestDistance = distance }
            }
            chosen.append(all[best])
        }
        return chosen
    }
}

/// `cvRound`: round half to even.
@inline(__always) func roundEven(_ value: Double) -> Int { Int(value.rounded(.toNearestOrEven)) }
@inline(__always) func roundEven(_ value: Float) -> Int { Int(value.rounded(.toNearestOrEven)) }

/// The cascade flattened for evaluation, as OpenCV's `Data` + `OptFeature` hold it: per node its
/// feature's weights and rectangle corners (as offsets that depend on the integral images' row
/// stride and are filled per call), threshold, children; per tree where its nodes and leaves
/// start; per stage where its trees end and its threshold.
final class EvaluationPlan: Sendable {
    let windowWidth: Int
    let windowHeight: Int
    let stumps: Bool
    let tilted: Bool
    let stageEnds: [Int]          // exclusive tree index per stage
    let stageThresholds: [Double]
    let treeNodeStarts: [Int32]
    let treeLeafStarts: [Int32]
    let nodeThresholds: [Float]
    let nodeLefts: [Int32]
    let nodeRights: [Int32]
    let leaves: [Float]
    /// For stumps: the left and right leaf of each tree.
    let stumpLeft: [Float]
    let stumpRight: [Float]
    let nodeWeights: [Float]      // 3 per node, 0 for a missing third (or second) rectangle
    let nodeRects: [Int32]        // 3 rectangles × (x, y, w, h) = 12 per node, window coordinates
    let nodeTilted: [Bool]

    init(_ cascade: HaarCascade) {
        windowWidth = cascade.windowWidth
        windowHeight = cascade.windowHeight
        stumps = cascade.isStumpBased
        tilted = cascade.hasTiltedFeatures
        var stageEnds: [Int] = [], stageThresholds: [Double] = []
        var treeNodeStarts: [Int32] = [], treeLeafStarts: [Int32] = []
        var thresholds: [Float] = [], lefts: [Int32] = [], rights: [Int32] = [], leaves: [Float] = []
        var stumpLeft: [Float] = [], stumpRight: [Float] = []
        var weights: [Float] = [], rects: [Int32] = [], tiltedFlags: [Bool] = []
        for stage in cascade.stages {
            for tree in stage.trees {
                treeNodeStarts.append(Int32(thresholds.count))
                treeLeafStarts.append(Int32(leaves.count))
                for node in tree.nodes {
                    thresholds.append(node.threshold)
                    lefts.append(Int32(node.left))
                    rights.append(Int32(node.right))
                    let feature = cascade.features[node.featureIndex]
                    for index in 0..<3 {
                        if index < feature.rectangles.count {
                            let r = feature.rectangles[index]
                            weights.append(r.weight)
                            rects.append(contentsOf: [Int32(r.x), Int32(r.y), Int32(r.width), Int32(r.height)])
                        } else {
                            weights.append(0)
                            rects.append(contentsOf: [0, 0, 0, 0])
                        }
                    }
                    tiltedFlags.append(feature.tilted)
                }
                leaves.append(contentsOf: tree.leaves)
                stumpLeft.append(tree.leaves[0])
                stumpRight.append(tree.leaves.count > 1 ? tree.leaves[1] : tree.leaves[0])
            }
            stageEnds.append(treeNodeStarts.count)
            stageThresholds.append(Double(stage.threshold))
        }
        self.stageEnds = stageEnds
        self.stageThresholds = stageThresholds
        self.treeNodeStarts = treeNodeStarts
        self.treeLeafStarts = treeLeafStarts
        self.nodeThresholds = thresholds
        self.nodeLefts = lefts
        self.nodeRights = rights
        self.leaves = leaves
        self.stumpLeft = stumpLeft
        self.stumpRight = stumpRight
        self.nodeWeights = weights
        self.nodeRects = rects
        self.nodeTilted = tiltedFlags
    }

    /// Int32 slots per node record: 12 corner offsets, 3 weights, threshold, left, right, and 2
    /// spare to make 80 bytes.
    static let recordSize = 20

    /// One record per node, everything its evaluation reads in one place (OpenCV's `OptFeature`
    /// plus the node): the corner offsets of its feature's three rectangles relative to the
    /// window's top-left entry in the integral buffer (`CV_SUM_OFS` / `CV_TILTED_OFS`; tilted ones
    /// point into the tilted integral, `tiltedOffset` entries after the upright one), the weights
    /// and threshold as Float bit patterns, and the children, or for stump cascades the two leaf
    /// values as Float bit patterns. Offsets depend on the row stride, so this is built per call.
    func nodeRecords(stride: Int, tiltedOffset: Int) -> [Int32] {
        let size = Self.recordSize
        var records = [Int32](repeating: 0, count: nodeThresholds.count * size)
        for node in 0..<nodeThresholds.count {
            let record = node * size
            for index in 0..<3 {
                let base = node * 12 + index * 4
                let x = Int(nodeRects[base]), y = Int(nodeRects[base + 1])
                let w = Int(nodeRects[base + 2]), h = Int(nodeRects[base + 3])
                let slot = record + index * 4
                if nodeTilted[node] {
                    records[slot] = Int32(tiltedOffset + x + stride * y)
                    records[slot + 1] = Int32(tiltedOffset + x - h + stride * (y + h))
                    records[slot + 2] = Int32(tiltedOffset + x + w + stride * (y + w))
                    records[slot + 3] = Int32(tiltedOffset + x + w - h + stride * (y + w + h))
                } else {
                    records[slot] = Int32(x + stride * y)
                    records[slot + 1] = Int32(x + w + stride * y)
                    records[slot + 2] = Int32(x + stride * (y + h))
                    records[slot + 3] = Int32(x + w + stride * (y + h))
                }
                records[record + 12 + index] = Int32(bitPattern: nodeWeights[node * 3 + index].bitPattern)
            }
            records[record + 15] = Int32(bitPattern: nodeThresholds[node].bitPattern)
            if stumps {
                records[record + 16] = Int32(bitPattern: stumpLeft[node].bitPattern)
                records[record + 17] = Int32(bitPattern: stumpRight[node].bitPattern)
            } else {
                records[record + 16] = nodeLefts[node]
                records[record + 17] = nodeRights[node]
            }
        }
        return records
    }

    func scan(_ image: UnsafePointer<UInt8>, width: Int, height: Int, scales: [Float]) -> [FaceRectangle] {
        // The first scale is the largest image; every level reuses its buffers and row stride,
        // as OpenCV's `sbuf` does, so corner offsets are computed once.
        let firstWidth = roundEven(Float(width) / scales[0]), firstHeight = roundEven(Float(height) / scales[0])
        let stride = firstWidth + 1
        let rows = firstHeight + 1
        let plane = stride * rows
        let integrals = UnsafeMutablePointer<Int32>.allocate(capacity: tilted ? 2 * plane : plane)
        defer { integrals.deallocate() }
        let squares = UnsafeMutablePointer<UInt32>.allocate(capacity: plane)
        defer { squares.deallocate() }
        let level = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, firstWidth * firstHeight))
        defer { level.deallocate() }
        let records = nodeRecords(stride: stride, tiltedOffset: plane)
        // detectMultiScaleNoGrouping: nstripes = cvCeil(first level's working width / 32.)
        let stripes = Int((Double(firstWidth + 1 - windowWidth) / 32).rounded(.up))

        var found: [FaceRectangle] = []
        for scale in scales {
            let levelWidth = roundEven(Float(width) / scale), levelHeight = roundEven(Float(height) / scale)
            guard levelWidth >= windowWidth, levelHeight >= windowHeight,
                  levelWidth <= firstWidth, levelHeight <= firstHeight else { continue }
            ExactLinearResize.resize(source: image, sourceWidth: width, sourceHeight: height,
                                     destination: level, width: levelWidth, height: levelHeight)
            IntegralImages.compute(level, width: levelWidth, height: levelHeight, stride: stride,
                                   sums: integrals, squares: squares, tilted: tilted ? integrals + plane : nil)
            // OpenCV cuts the rows into `stripes` parallel stripes of whole steps; their total
            // can end a row short of the last one (an odd number of rows with step 2).
            let step = scale >= 2 ? 1 : 2
            let workingHeight = levelHeight + 1 - windowHeight
            let stripeSize = max((workingHeight / step + stripes - 1) / stripes, 1) * step
            let rowEnd = min(stripes * stripeSize, workingHeight)
            records.withUnsafeBufferPointer { records in
                scanLevel(integrals: integrals, squares: squares, stride: stride, records: records.baseAddress!,
                          levelWidth: levelWidth, rowEnd: rowEnd, step: step, scale: scale, into: &found)
            }
        }
        return found
    }

    private func scanLevel(integrals: UnsafePointer<Int32>, squares: UnsafePointer<UInt32>, stride: Int,
                           records: UnsafePointer<Int32>, levelWidth: Int, rowEnd: Int, step: Int, scale: Float,
                           into found: inout [FaceRectangle]) {
        let columns = levelWidth + 1 - windowWidth
        let windowOnImageWidth = roundEven(Float(windowWidth) * scale)
        let windowOnImageHeight = roundEven(Float(windowHeight) * scale)
        // The normalisation rectangle (1, 1, W-2, H-2) and its area.
        let n0 = 1 + stride, n1 = windowWidth - 1 + stride
        let n2 = 1 + stride * (windowHeight - 1), n3 = windowWidth - 1 + stride * (windowHeight - 1)
        let area = Double((windowWidth - 2) * (windowHeight - 2))

        let size = Self.recordSize
        stageThresholds.withUnsafeBufferPointer { stageThresholds in
        stageEnds.withUnsafeBufferPointer { stageEnds in
        treeNodeStarts.withUnsafeBufferPointer { treeNodeStarts in
        treeLeafStarts.withUnsafeBufferPointer { treeLeafStarts in
        leaves.withUnsafeBufferPointer { leaves in
            let stageCount = stageThresholds.count
            var y = 0
            while y < rowEnd {
                var x = 0
                while x < columns {
                    let window = y * stride + x
                    let p = integrals + window
                    let q = squares + window
                    // setWindow: variance normalisation and the flat-window rejection.
                    let valueSum = p[n0] &- p[n1] &- p[n2] &+ p[n3]
                    let squareSum = q[n0] &- q[n1] &- q[n2] &+ q[n3]
                    var nf = area * Double(squareSum) - Double(valueSum) * Double(valueSum)
                    var result: Int
                    if nf > 0 {
                        nf = nf.squareRoot()
                        let normalisation = Float(1.0 / nf)
                        if area * Double(normalisation) < 0.1 {
                            result = 1
                            var tree = 0
                            stageLoop: for stage in 0..<stageCount {
                                let end = stageEnds[stage]
                                var sum = 0.0
                                if stumps {
                                    var record = records + tree * size
                                    while tree < end {
                                        let value = Self.feature(record, p) * normalisation
                                        let leaf = value < Float(bitPattern: UInt32(bitPattern: record[15])) ? record[16] : record[17]
                                        sum += Double(Float(bitPattern: UInt32(bitPattern: leaf)))
                                        tree += 1
                                        record += size
                                    }
                                } else {
                                    while tree < end {
                                        let root = records + Int(treeNodeStarts[tree]) * size
                                        var index = 0
                                        repeat {
                                            let record = root + index * size
                                            let value = Self.feature(record, p) * normalisation
                                            index = Int(value < Float(bitPattern: UInt32(bitPattern: record[15])) ? record[16] : record[17])
                                        } while index > 0
                                        sum += Double(leaves[Int(treeLeafStarts[tree]) - index])
                                        tree += 1
                                    }
                                }
                                if sum < stageThresholds[stage] {
                                    result = -stage
                                    break stageLoop
                                }
                            }
                        } else {
                            result = -1
                        }
                    } else {
                        result = -1
                    }
                    if result > 0 {
                        found.append(FaceRectangle(x: roundEven(Float(x) * scale), y: roundEven(Float(y) * scale),
                                                   width: windowOnImageWidth, height: windowOnImageHeight))
                    }
                    x += step
                    // Rejected by the first stage: OpenCV skips the next position too.
                    if result == 0 { x += step }
                }
                y += step
            }
        }}}}}
    }

    /// `OptFeature::calc`: weighted rectangle sums in Float, the third only if its weight is not 0.
    @inline(__always)
    private static func feature(_ record: UnsafePointer<Int32>, _ p: UnsafePointer<Int32>) -> Float {
        let r0 = p[Int(record[0])] &- p[Int(record[1])] &- p[Int(record[2])] &+ p[Int(record[3])]
        let r1 = p[Int(record[4])] &- p[Int(record[5])] &- p[Int(record[6])] &+ p[Int(record[7])]
        let w0 = Float(bitPattern: UInt32(bitPattern: record[12]))
        let w1 = Float(bitPattern: UInt32(bitPattern: record[13]))
        let w2 = Float(bitPattern: UInt32(bitPattern: record[14]))
        var value = w0 * Float(r0) + w1 * Float(r1)
        if w2 != 0 {
            let r2 = p[Int(record[8])] &- p[Int(record[9])] &- p[Int(record[10])] &+ p[Int(record[11])]
            value += w2 * Float(r2)
        }
        return value
    }
}

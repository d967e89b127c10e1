/// OpenCV 4.6's `resize(..., INTER_LINEAR_EXACT)` for 8-bit, one channel, bit for bit
/// (`resize.cpp`: `interpolationLinear`, `resize_bitExact`, and the exact-2× `INTER_AREA`
/// shortcut; liveness.md §1.4). The cascade detector must see exactly the pixels OpenCV sees:
/// the ordinary bilinear resize differs by ±1 on about 12 % of pixels, enough to change which
/// windows pass.
enum ExactLinearResize {
    /// Per destination index along one axis: the source index and the 8.8 fixed-point weight of
    /// the next source pixel, plus the range `[first, end)` that interpolates; indices before it
    /// copy source pixel 0 and from it on copy the last source pixel.
    struct AxisTable {
        var offsets: [Int32]
        var weights: [UInt16]
        var first: Int
        var end: Int

        init(source: Int, destination: Int) {
            // cv::resize with a destination size: inv_scale = dst/src; interpolationLinear keeps
            // scale = 1/inv_scale (softdouble, i.e. correctly rounded IEEE double).
            let inverseScale = Double(destination) / Double(source)
            let scale = 1.0 / inverseScale
            offsets = [Int32](repeating: 0, count: destination)
            weights = [UInt16](repeating: 0, count: destination)
            first = 0
            end = destination
            for index in 0..<destination {
                let position = scale * (Double(index) + 0.5) - 0.5
                let floorIndex = Int(position.rounded(.down))
                if floorIndex >= 0 && source > 1 {
                    if floorIndex < source - 1 {
                        offsets[index] = Int32(floorIndex)
                        // ufixedpoint16(softdouble): cvRound(v * 256), negative → 0.
                        let fraction = position - Double(floorIndex)
                        weights[index] = UInt16((fraction * 256).rounded(.toNearestOrEven))
                    } else {
                        offsets[index] = Int32(source - 1)
                        end = min(end, index)
                    }
                } else {
                    first = max(first, index + 1)
                }
            }
        }
    }

    /// Resizes `source` (`sourceWidth × sourceHeight`, rows packed) into `destination`
    /// (`width × height`, rows packed). `horizontal` must hold `2 * width` values of scratch.
    static func resize(source: UnsafePointer<UInt8>, sourceWidth: Int, sourceHeight: Int,
                       destination: UnsafeMutablePointer<UInt8>, width: Int, height: Int) {
        if width == sourceWidth && height == sourceHeight {
            destination.update(from: source, count: width * height)
            return
        }
        if width * 2 == sourceWidth && height * 2 == sourceHeight {
            // Exactly half in both axes: OpenCV switches to INTER_AREA, whose fast path averages
            // each 2×2 block with rounding half up.
            for y in 0..<height {
                let row0 = source + (2 * y) * sourceWidth
                let row1 = row0 + sourceWidth
                let out = destination + y * width
                for x in 0..<width {
                    let sum = Int(row0[2 * x]) + Int(row0[2 * x + 1]) + Int(row1[2 * x]) + Int(row1[2 * x + 1])
                    out[x] = UInt8(truncatingIfNeeded: (sum + 2) >> 2)
                }
            }
            return
        }
        let columns = AxisTable(source: sourceWidth, destination: width)
        let rows = AxisTable(source: sourceHeight, destination: height)
        let lines = UnsafeMutablePointer<UInt16>.allocate(capacity: 2 * width)
        defer { lines.deallocate() }

        columns.offsets.withUnsafeBufferPointer { offsets in
            columns.weights.withUnsafeBufferPointer { weights in
                // One source row to 8.8 fixed point: c0·p[i] + c1·p[i+1], edges p << 8.
                func horizontal(_ sourceRow: Int, into line: UnsafeMutablePointer<UInt16>) {
                    let pixels = source + sourceRow * sourceWidth
                    let left = UInt16(pixels[0]) << 8
                    var x = 0
                    while x < columns.first { line[x] = left; x += 1 }
                    while x < columns.end {
                        let offset = Int(offsets[x])
                        let weight1 = UInt32(weights[x])
                        let weight0 = 256 - weight1
                        line[x] = UInt16(truncatingIfNeeded: weight0 * UInt32(pixels[offset]) + weight1 * UInt32(pixels[offset + 1]))
                        x += 1
                    }
                    if x < width {
                        let right = UInt16(pixels[Int(offsets[width - 1])]) << 8
                        while x < width { line[x] = right; x += 1 }
                    }
                }
                func copyEdge(_ line: UnsafeMutablePointer<UInt16>, to out: UnsafeMutablePointer<UInt8>) {
                    for x in 0..<width { out[x] = UInt8(truncatingIfNeeded: (UInt32(line[x]) + 128) >> 8) }
                }

                let line0 = lines, line1 = lines + width
                var y = 0
                if rows.first > 0 {
                    horizontal(0, into: line0)
                    while y < rows.first { copyEdge(line0, to: destination + y * width); y += 1 }
                }
                var loaded: Int? // the source row now in line0 (line1 holds the next one)
                while y < rows.end {
                    let sourceRow = Int(rows.offsets[y])
                    if sourceRow != loaded {
                        if let loaded, sourceRow == loaded + 1 {
                            line0.update(from: line1, count: width)
                        } else {
                            horizontal(sourceRow, into: line0)
                        }
                        horizontal(sourceRow + 1, into: line1)
                        loaded = sourceRow
                    }
                    let weight1 = UInt32(rows.weights[y])
                    let weight0 = 256 - weight1
                    let out = destination + y * width
                    for x in 0..<width {
                        let value = weight0 * UInt32(line0[x]) + weight1 * UInt32(line1[x]) + 32768
                        out[x] = UInt8(truncatingIfNeeded: value >> 16)
                    }
                    y += 1
                }
                if y < height {
                    horizontal(sourceHeight - 1, into: line0)
                    while y < height { copyEdge(line0, to: destination + y * width); y += 1 }
                }
            }
        }
    }
}

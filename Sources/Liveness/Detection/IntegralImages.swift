/// The integral images OpenCV's `integral(img, sum, sqsum, tilted, CV_32S, CV_32S)` makes, each
/// `(height + 1) × (width + 1)` with row and column 0 zero, written with a given row stride.
/// OpenCV keeps the squared sums in 32-bit integers that wrap on large images; window sums are
/// differences far below 2³², so wrapping arithmetic gives the same window values.
enum IntegralImages {
    static func compute(_ image: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int,
                        sums: UnsafeMutablePointer<Int32>, squares: UnsafeMutablePointer<UInt32>,
                        tilted: UnsafeMutablePointer<Int32>?) {
        for x in 0...width {
            sums[x] = 0
            squares[x] = 0
        }
        for y in 0..<height {
            let source = image + y * width
            let above = y * stride
            let row = above + stride
            sums[row] = 0
            squares[row] = 0
            var rowSum: Int32 = 0
            var rowSquares: UInt32 = 0
            for x in 0..<width {
                let pixel = UInt32(source[x])
                rowSum &+= Int32(bitPattern: pixel)
                rowSquares &+= pixel * pixel
                sums[row + x + 1] = sums[above + x + 1] &+ rowSum
                squares[row + x + 1] = squares[above + x + 1] &+ rowSquares
            }
        }
        if let tilted {
            computeTilted(image, width: width, height: height, stride: stride, into: tilted)
        }
    }

    /// `T(X, Y) = Σ I(x, y)` over `y < Y`, `|x − X + 1| ≤ Y − y − 1`: the 45° triangle whose apex is
    /// pixel (X−1, Y−1). The recurrence `T(X,Y) = T(X−1,Y−1) + T(X+1,Y−1) − T(X,Y−2) + I(X−1,Y−1)
    /// + I(X−1,Y−2)` needs columns beyond the image, so it runs on a buffer padded wider than the
    /// triangles can reach, with pixels outside the image counting 0 (liveness.md §1.3 step 3).
    static func computeTilted(_ image: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int,
                              into tilted: UnsafeMutablePointer<Int32>) {
        let pad = height + 2
        let padded = width + 1 + 2 * pad
        let buffer = UnsafeMutablePointer<Int32>.allocate(capacity: padded * (height + 1))
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: padded * (height + 1))
        @inline(__always) func pixel(_ x: Int, _ y: Int) -> Int32 {
            (x >= 0 && x < width && y >= 0 && y < height) ? Int32(image[y * width + x]) : 0
        }
        for y in 1...height {
            let row = buffer + y * padded
            let above = row - padded
            for column in 1..<(padded - 1) {
                let x = column - pad
                var value = above[column - 1] &+ above[column + 1] &+ pixel(x - 1, y - 1)
                if y >= 2 {
                    value = value &- (above - padded)[column] &+ pixel(x - 1, y - 2)
                }
                row[column] = value
            }
        }
        for y in 0...height {
            (tilted + y * stride).update(from: buffer + y * padded + pad, count: width + 1)
        }
    }
}

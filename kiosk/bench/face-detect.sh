#!/bin/bash
# Face detection benchmark: zizhu-bench face-detect (release build) times face + eyes detection
# per 640x480 frame at the kiosk's settings on one thread, beside OpenCV 4.6 (cv2.setNumThreads(1))
# on the same frames and cascades, in the same run, and prints the ratio Swift/OpenCV. It also
# refuses to report if the two sides found different faces or eyes.
#
#   kiosk/bench/face-detect.sh [--iterations 20] [--rounds 3]
#   (needs python3-opencv, opencv-data, python3-skimage, opencv-doc: kiosk/test.sh installs them)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
# A build folder of its own, so a benchmark build never waits on (or for) the debug build.
scratch=.build-release
if ! log=$(swift build -c release --scratch-path "$scratch" --product zizhu-bench 2>&1); then
    echo "$log" >&2
    exit 1
fi
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
"$bin/zizhu-bench" face-detect "$@"

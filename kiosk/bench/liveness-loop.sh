#!/bin/bash
# Liveness check loop benchmark: zizhu-bench liveness-loop (release build) runs whole checks over a
# scripted 640x480 JPEG recording (decode, face + eyes, profiles when needed, quality gates, state
# machine) pinned to one core, and OpenCV doing the same per-frame work on the same frames and core
# in the same run; prints frames per second for both, the ratio, and the 15 fps goal.
#
#   kiosk/bench/liveness-loop.sh [--passes 10] [--rounds 3]
#   (needs python3-opencv, opencv-data, python3-skimage: kiosk/test.sh installs them)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product zizhu-bench >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
# One core for both sides (the Python baseline is a child and inherits the mask).
taskset -c 0 "$bin/zizhu-bench" liveness-loop "$@"

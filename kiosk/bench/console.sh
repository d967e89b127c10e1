#!/bin/bash
# TextConsole benchmark: zizhu-bench console (release build) on a 120x22 CJK grid. Frame bytes and
# render time of the diff renderer beside a naive full repaint of the same frames, then the time
# from a tap (SGR press and release) to the answering frame through a private tmux server, beside
# `cat` echoing the same bytes through the same tmux. Both are measured in the same run.
#
#   kiosk/bench/console.sh [extra zizhu-bench console options, e.g. --frames 20000 --taps 280]
#   (needs tmux: kiosk/test.sh installs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
# A build folder of its own, so a benchmark build never waits on (or for) the debug build.
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product zizhu-bench >/dev/null
swift build -c release --scratch-path "$scratch" --product zizhu-console-demo >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
"$bin/zizhu-bench" console --demo "$bin/zizhu-console-demo" "$@"

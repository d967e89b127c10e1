#!/bin/bash
# Journal benchmark: zizhu-bench journal in a release build. Journal commits (GRDB, WAL,
# synchronous=FULL, business row + outbox row) vs the same rows through raw sqlite3 in the same
# run, plain and with a citizen ID and name sealed per field; then a 100,000-item backlog drained
# to a release zizhu-hub on loopback, exactly once checked against the hub's own count.
#
#   kiosk/bench/journal.sh [--directory /var/lib/zizhu-bench] [other zizhu-bench journal options]
#   (use a folder on the kiosk's own disk to measure that disk; default /tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_find_swift
# A build folder of its own, so a benchmark build never waits on (or for) the debug build.
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product zizhu-bench >/dev/null
swift build -c release --scratch-path "$scratch" --product zizhu-hub >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
case " $* " in
*" --directory "*) "$bin/zizhu-bench" journal --hub "$bin/zizhu-hub" "$@" ;;
*)
    work=$(mktemp -d /tmp/zizhu-bench-journal-XXXXXX)
    trap 'rm -rf "$work"' EXIT
    "$bin/zizhu-bench" journal --directory "$work" --hub "$bin/zizhu-hub" "$@"
    ;;
esac

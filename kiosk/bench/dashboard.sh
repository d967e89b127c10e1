#!/bin/bash
# Dashboard benchmark: `zizhu-bench dashboard` seeds 5,000 kiosks (three heartbeats each, mixed
# states, today's transactions) into an SQLite file and into a private PostgreSQL, starts a
# release zizhu-hub on each, logs in as staff and times GET /staff/fleet (all kiosks, and one
# street office) against the store's fleet query alone in the same run (the ratio).
#
#   kiosk/bench/dashboard.sh [extra zizhu-bench dashboard options, e.g. --kiosks 5000]
#   (as root, after kiosk/test.sh has installed packages)
set -euo pipefail
cd "$(dirname "$0")/../.."
source kiosk/lib/common.sh
zizhu_require_root
zizhu_find_swift
# A build folder of its own, so a benchmark build never waits on (or for) the debug build.
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product zizhu-bench >/dev/null
swift build -c release --scratch-path "$scratch" --product zizhu-hub >/dev/null
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
work=$(mktemp -d /tmp/zizhu-bench-XXXXXX)
chmod 0755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=$((40000 + RANDOM % 20000))
cleanup() {
    [ -f "$work/pg/data/postmaster.pid" ] && runuser -u postgres -- "$pg_bin/pg_ctl" stop -D "$work/pg/data" -m fast >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

zizhu_log "SQLite"
"$bin/zizhu-bench" dashboard --database "$work/hub.sqlite" --hub "$bin/zizhu-hub" "$@"

zizhu_log "PostgreSQL (private server on port $pg_port)"
mkdir -p "$work/pg/run"
chown -R postgres:postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" start -w -D "$work/pg/data" -l "$work/pg/postgres.log" \
    -o "-p $pg_port -k $work/pg/run -c listen_addresses=127.0.0.1" >/dev/null
"$bin/zizhu-bench" dashboard --database "postgres://postgres@127.0.0.1:$pg_port/postgres" --hub "$bin/zizhu-hub" "$@"

#!/bin/bash
# Hub ingestion benchmark: zizhu-bench hub-ingest against a release zizhu-hub on loopback, first on
# an SQLite file, then on a private PostgreSQL (initdb into a temporary folder, its own port and
# socket folder). Each run also inserts the same rows straight into the same database (the ratio).
#
#   kiosk/bench/hub-ingest.sh [extra zizhu-bench hub-ingest options, e.g. --transactions 20000]
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
"$bin/zizhu-bench" hub-ingest --database "$work/hub.sqlite" --hub "$bin/zizhu-hub" "$@"

zizhu_log "PostgreSQL (private server on port $pg_port)"
mkdir -p "$work/pg/run"
chown -R postgres:postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" start -w -D "$work/pg/data" -l "$work/pg/postgres.log" \
    -o "-p $pg_port -k $work/pg/run -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
"$bin/zizhu-bench" hub-ingest --database "postgres://postgres@127.0.0.1:$pg_port/postgres" --hub "$bin/zizhu-hub" "$@"

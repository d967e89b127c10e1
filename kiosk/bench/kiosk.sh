#!/bin/bash
# Kiosk appliance benchmark (issue 11): the real `zizhu-kiosk run` (release build) in a private
# tmux pane of the kiosk's 120x22 grid, in the world KioskFlowTests use (kiosk/lib/kiosk-world.sh:
# pcscd + vpcd + zizhu-cardsim, a private cupsd with zizhu-printersim, a seeded hub on loopback the
# kiosk enrolled with). Everything is measured from outside the kiosk: the screen is read with
# `tmux capture-pane`, the card moved with `zizhuctl card insert/remove`, memory and CPU read from
# /proc. Baselines run in the same run:
#
#  1. Cold start: launch of `zizhu-kiosk run` -> 【请插入社保卡】 on the pane. Baseline: headless
#     Chromium launched on an equivalent static page (the kiosk's own attract screen, captured in
#     this run, as white 32 px Noto Sans Mono CJK SC text on black at 1920x1080) -> its
#     --screenshot written. One unmeasured start of each first; then they alternate.
#  2. Card in: `zizhuctl card insert` -> the masked holder (张*) on the pane; card out, attract
#     screen again, repeat. Baseline: pyscard from the same insertion to the same records read
#     (kiosk/bench/pyscard_card_in.py; the APDUs are the Swift read's own, recorded from its trace
#     by `zizhu-bench card-read`), same pcscd and card. Blocks of 10 alternate. Each insertion
#     waits a random 0-400 ms first: pcscd finds a vpcd card by polling every 400 ms.
#  3. Idle on the attract screen (the kiosk of the last card-in block, back on the plain attract
#     screen): VmRSS, PSS and CPU (utime+stime) of zizhu-kiosk over the window, beside headless
#     Chromium showing the same page, all its processes summed, sampled in the same window.
#
#   kiosk/bench/kiosk.sh [--cold-starts N] [--card-ins N] [--idle-seconds S] [--keep]
#   (defaults 10, 30, 600; as root, after kiosk/test.sh has installed packages: tmux, chromium,
#   python3-pyscard; --keep leaves the run's folder: logs, the page, the samples in idle.json)
#
# ZIZHU_BIN_DIR=... takes the programs from there instead of building (to try the script with a
# debug build; only release numbers go into BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
# tmux must count CJK characters as wide; $EPOCHREALTIME must use a decimal point.
export LC_ALL=C.UTF-8
cold_starts=10 card_ins=30 idle_seconds=600 keep=0
while [ $# -gt 0 ]; do
    case $1 in
        --cold-starts) cold_starts=$2; shift 2 ;;
        --card-ins) card_ins=$2; shift 2 ;;
        --idle-seconds) idle_seconds=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: kiosk/bench/kiosk.sh [--cold-starts N] [--card-ins N] [--idle-seconds S] [--keep]" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run as root: it starts private pcscd and cupsd instances" >&2; exit 1; }
for tool in tmux chromium /usr/bin/python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (kiosk/test.sh installs it)" >&2; exit 3; }
done
/usr/bin/python3 -c 'import smartcard' 2>/dev/null || { echo "python3-pyscard is missing" >&2; exit 3; }
source kiosk/lib/common.sh

if [ -n "${ZIZHU_BIN_DIR:-}" ]; then
    bin=$ZIZHU_BIN_DIR
    zizhu_log "programs from $bin (not built here)"
else
    zizhu_find_swift
    # A build folder of its own, so a benchmark build never waits on (or for) the debug build.
    scratch=.build-release
    for product in zizhu-kiosk zizhu-cardsim zizhu-printersim zizhu-escpos zizhu-hub zizhuctl zizhu-bench; do
        swift build -c release --scratch-path "$scratch" --product "$product" >/dev/null
    done
    bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
fi

source kiosk/lib/kiosk-world.sh
work=$(mktemp -d /tmp/zizhu-bench-kiosk.XXXXXX)
# cupsd runs the receipt backend as user lp, which must reach it below this folder.
chmod 0755 "$work"
tmux_socket=zizhu-bench-kiosk-$$
kiosk_pid= chromium_pid=
tm() { tmux -L "$tmux_socket" -f "$work/tmux.conf" "$@"; }

# The Chromium processes of this run: those started with one of our profile folders.
chromium_pids() { grep -l -F -- "$work/chromium-" /proc/[0-9]*/cmdline 2>/dev/null | sed 's#^/proc/\([0-9]*\)/cmdline$#\1#' || true; }
stop_chromium() {
    [ -n "$chromium_pid" ] && kill "$chromium_pid" 2>/dev/null
    for _ in $(seq 50); do [ -z "$(chromium_pids)" ] && break; sleep 0.1; done
    local pid
    for pid in $(chromium_pids); do kill -9 "$pid" 2>/dev/null || true; done
    chromium_pid=
}
stop_kiosk() {
    if [ -n "$kiosk_pid" ]; then
        kill -TERM "$kiosk_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$kiosk_pid" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$kiosk_pid" 2>/dev/null || true
        kiosk_pid=
    fi
    tm kill-session -t kiosk 2>/dev/null || true
}
finish() {
    local status=$?
    trap - EXIT
    stop_kiosk
    stop_chromium
    tm kill-server 2>/dev/null || true
    zizhu_world_stop
    if [ "$status" != 0 ]; then
        echo "benchmark failed; the kiosk's log ends with:" >&2
        tail -n 20 "$work/kiosk.log" >&2 2>/dev/null || true
        echo "(everything the run left is in $work)" >&2
    elif [ "$keep" = 1 ]; then
        echo "(everything the run left is in $work)" >&2
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

# nap SECONDS: sleeps without starting a process (a read that times out on a FIFO nobody writes).
mkfifo "$work/nap"
exec {nap_fd}<>"$work/nap"
nap() { read -r -t "$1" -u "$nap_fd" _ || true; }
random_nap() { nap "0.$(printf '%03d' $((RANDOM % 400)))"; }

zizhu_log "starting pcscd + cardsim, cupsd + printersim, the hub (seeded) and enrolling the kiosk"
zizhu_world_start "$work" "$bin" ""
reader="Zizhu Test Reader 00 00"
profile=$work/cards/zhang-san-3.0.json
card() { env "${ZIZHU_WORLD_ENV[@]}" "$bin/zizhuctl" card "$@"; }
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "machine=$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
} > "$work/meta.txt"

# The Swift read's APDUs, recorded from its trace by zizhu-bench card-read, which hands them to
# its pyscard script: here one that only keeps the file.
cat > "$work/keep-apdus.py" <<'EOF'
import os, shutil, sys
shutil.copyfile(sys.argv[2], os.environ["ZIZHU_BENCH_APDU_COPY"])
print("0.001")
EOF
card insert "$profile" > /dev/null
for attempt in $(seq 50); do
    env "${ZIZHU_WORLD_ENV[@]}" ZIZHU_BENCH_APDU_COPY="$work/apdus.txt" "$bin/zizhu-bench" card-read --reader "$reader" \
        --iterations 1 --pyscard "$work/keep-apdus.py" > "$work/apdu-record.log" 2>&1 && break
    [ "$attempt" = 50 ] && { cat "$work/apdu-record.log" >&2; exit 1; }
    sleep 0.2
done
card remove > /dev/null
# pcscd sees the card gone at its next poll; a kiosk started before that would see it come and go.
for _ in $(seq 100); do card readers | grep -q -F "$reader: no card" && break; sleep 0.1; done
echo "apdus=$(grep -c . "$work/apdus.txt")" >> "$work/meta.txt"

# A private tmux server; its panes are the kiosk's 120x22 grid, no status line, bash for $EPOCHREALTIME
# No client ever attaches, so nothing resizes the panes. (tmux 3.3a's server exits when a second
# session is made under window-size manual, which TmuxPane sets: not needed here.)
printf 'set -g status off\nset -g default-shell /bin/bash\nset -g default-size 120x22\n' > "$work/tmux.conf"
tm new-session -d -s hold -x 120 -y 22 'exec cat'
launch_command="printf %s \"\$EPOCHREALTIME\" > $(printf %q "$work/launch"); exec env $(printf '%q ' "${ZIZHU_WORLD_ENV[@]}")"
launch_command+=" $(printf %q "$bin/zizhu-kiosk") run 2>>$(printf %q "$work/kiosk.log")"
touch "$work/kiosk.log"

# start_kiosk: a new pane running zizhu-kiosk run; the pane's shell writes the launch time and execs it.
start_kiosk() {
    rm -f "$work/launch"
    tm new-session -d -s kiosk -x 120 -y 22 "$launch_command"
    kiosk_pid=$(tm display -p -t kiosk '#{pane_pid}')
    [ "$(tm display -p -t kiosk '#{pane_width}x#{pane_height}')" = 120x22 ] || { echo "the pane is not 120x22" >&2; exit 1; }
}
# wait_screen TEXT ABSENT SECONDS: until the pane shows TEXT (and not ABSENT, if given). seen_at is
# when the first capture that showed it was started: a capture (a tmux client) takes a few ms and
# reads the pane partway through, and the previous one, one pause earlier, did not see it, so
# this start time is off by about ± half a poll (the report gives the capture's time).
wait_screen() {
    local text=$1 absent=$2 deadline=$((SECONDS + $3)) screen started
    while ((SECONDS < deadline)); do
        started=$EPOCHREALTIME
        screen=$(tm capture-pane -p -t kiosk 2>/dev/null) || screen=
        if [[ $screen == *"$text"* ]] && { [ -z "$absent" ] || [[ $screen != *"$absent"* ]]; }; then
            seen_at=$started
            return 0
        fi
        nap 0.002
    done
    echo "the pane never showed '$text'; it shows:" >&2
    tm capture-pane -p -t kiosk >&2 || true
    return 1
}
attract=请插入社保卡
holder=张*
opening_notice=本大厅24小时开放

chromium_flags=(--headless=new --no-sandbox --disable-gpu --no-first-run --hide-scrollbars --window-size=1920,1080
                --kiosk --user-data-dir="$work/chromium-profile")
page=file://$work/attract.html

# --- 1. Cold start ---------------------------------------------------------------------------
zizhu_log "cold start: $cold_starts starts of zizhu-kiosk run and of Chromium, alternating (one unmeasured start of each first)"
# The unmeasured first start makes the ballast file and settles the interrupted-print check; its
# attract screen, once the first device survey is in, becomes the static page for Chromium.
start_kiosk
wait_screen "$attract" "" 60
wait_screen "$opening_notice" "" 30
sleep 4
tm capture-pane -p -t kiosk > "$work/attract.txt"
# What one look at the screen costs (the poll's resolution).
for _ in $(seq 50); do
    before=$EPOCHREALTIME
    tm capture-pane -p -t kiosk > /dev/null
    echo "$before $EPOCHREALTIME"
done | /usr/bin/python3 -c 'import sys, statistics; print("capture_ms=%.1f" % (1000 * statistics.median(float(b) - float(a) for a, b in map(str.split, sys.stdin))))' >> "$work/meta.txt"
stop_kiosk
{
    printf '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>人社自助服务</title>\n'
    printf '<style>html,body{margin:0;background:#000;color:#fff;overflow:hidden}'
    printf 'pre{margin:0;font:32px/48px "Noto Sans Mono CJK SC",monospace}</style></head>\n<body><pre>'
    sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g' "$work/attract.txt"
    printf '</pre></body></html>\n'
} > "$work/attract.html"

cold_chromium() {
    rm -f "$work/shot.png"
    local start=$EPOCHREALTIME pid
    chromium "${chromium_flags[@]}" --screenshot="$work/shot.png" "$page" >> "$work/chromium.log" 2>&1 &
    pid=$!
    while [ ! -s "$work/shot.png" ]; do
        kill -0 "$pid" 2>/dev/null || { echo "chromium ended without a screenshot; its log:" >&2; tail "$work/chromium.log" >&2; exit 1; }
        nap 0.002
    done
    echo "chromium $start $EPOCHREALTIME" >> "$1"
    wait "$pid" || true
}
cold_chromium /dev/null
: > "$work/cold.txt"
for _ in $(seq "$cold_starts"); do
    offset=$(stat -c %s "$work/kiosk.log")
    start_kiosk
    wait_screen "$attract" "" 60
    seen=$seen_at
    # The launch file is written before the exec, so it is there by now.
    echo "kiosk $(cat "$work/launch") $seen $offset $(awk '/^VmRSS:/ {print $2}' "/proc/$kiosk_pid/status")" >> "$work/cold.txt"
    stop_kiosk
    cold_chromium "$work/cold.txt"
done

# --- 2. Card in ------------------------------------------------------------------------------
zizhu_log "card in: $card_ins insertions for the kiosk and for pyscard, in alternating blocks of 10"
: > "$work/card-kiosk.txt"
: > "$work/card-pyscard.txt"
left=$card_ins
while [ "$left" -gt 0 ]; do
    block=$((left < 10 ? left : 10))
    left=$((left - block))
    env "${ZIZHU_WORLD_ENV[@]}" /usr/bin/python3 kiosk/bench/pyscard_card_in.py "$reader" "$work/apdus.txt" "$block" \
        "$bin/zizhuctl" "$profile" >> "$work/card-pyscard.txt"
    start_kiosk
    wait_screen "$opening_notice" "" 60
    sleep 3    # the first device survey is in; the kiosk is idle on its attract screen
    for _ in $(seq "$block"); do
        events=$(grep -c 'card.event=inserted' "$work/kiosk.log" || true)
        random_nap
        t0=$EPOCHREALTIME
        card insert "$profile" > /dev/null
        wait_screen "$holder" "" 30
        echo "$t0 $seen_at $events" >> "$work/card-kiosk.txt"
        card remove > /dev/null
        wait_screen "$attract" "$holder" 30
    done
    # The last block's kiosk stays for the idle window.
    [ "$left" -gt 0 ] && stop_kiosk
done

# --- 3. Idle ---------------------------------------------------------------------------------
zizhu_log "idle: zizhu-kiosk on its attract screen beside headless Chromium on the same page, ${idle_seconds} s"
# The card-pulled notice gives way to the plain attract screen after 8 s.
wait_screen "$opening_notice" "$holder" 30
chromium_flags=("${chromium_flags[@]/chromium-profile/chromium-idle}")
cp -r "$work/chromium-profile" "$work/chromium-idle"
chromium "${chromium_flags[@]}" --remote-debugging-port=0 "$page" >> "$work/chromium.log" 2>&1 &
chromium_pid=$!
for _ in $(seq 300); do [ -s "$work/chromium-idle/DevToolsActivePort" ] && break; sleep 0.1; done
[ -s "$work/chromium-idle/DevToolsActivePort" ] || { echo "chromium did not start; its log:" >&2; tail "$work/chromium.log" >&2; exit 1; }
sleep 10    # both settle: Chromium has loaded and painted the page
/usr/bin/python3 kiosk/bench/kiosk_bench.py idle "$idle_seconds" 10 "$work/idle.json" \
    "kiosk=$kiosk_pid" "chromium=$chromium_pid:$work/chromium-idle"
kill -0 "$kiosk_pid" && kill -0 "$chromium_pid" || { echo "a process ended during the idle window" >&2; exit 1; }
tm capture-pane -p -t kiosk | grep -q -F "$attract" || { echo "the kiosk left its attract screen while idle" >&2; exit 1; }
echo "idle_seconds=$idle_seconds" >> "$work/meta.txt"
stop_chromium
stop_kiosk

/usr/bin/python3 kiosk/bench/kiosk_bench.py report "$work"

#!/bin/bash
# Runs the Zizhu demo on this machine (Debian 12, as root): an emulated card in a private pcscd,
# a private cupsd with an emulated receipt printer, the hub on its embedded defaults, and the
# kiosk screen in this terminal. Ctrl-C stops everything this script started, by PID.
#
#   kiosk/demo.sh
#
# State and logs go to .zizhu-demo/ in the repository (removed at the next start).
# While it runs, another terminal can use the operator tool against the same services:
#   source .zizhu-demo/env && zizhuctl card readers && zizhuctl printer status
#   zizhuctl card remove; zizhuctl card insert .zizhu-demo/cards/ouyang-rare-3.0.json
#   zizhuctl printer paper-out; zizhuctl printer paper-ok   (the emulated receipt printer)
#   zizhuctl operator-code        (the code for staff mode: 工作人员专用 on the attract screen)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
source kiosk/lib/common.sh
zizhu_require_root
# shellcheck disable=SC2086
zizhu_install_packages $ZIZHU_BUILD_PACKAGES $ZIZHU_DEVICE_PACKAGES $ZIZHU_DEMO_PACKAGES
zizhu_find_swift

# Fixed ports, so the operator commands in .zizhu-demo/env keep working across runs.
# (vpcd's Debian default is 35963; the demo keeps clear of it in case a system pcscd uses it.)
VPCD_PORT=${ZIZHU_DEMO_VPCD_PORT:-35990}
PRINTER_PORT=${ZIZHU_DEMO_PRINTER_PORT:-9100}
HUB_PORT=${ZIZHU_DEMO_HUB_PORT:-8080}
for port in "$VPCD_PORT" "$((VPCD_PORT + 1))" "$PRINTER_PORT" "$HUB_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "Port $port is already in use (another demo still running?). Stop it, or choose other ports with" >&2
        echo "ZIZHU_DEMO_VPCD_PORT, ZIZHU_DEMO_PRINTER_PORT and ZIZHU_DEMO_HUB_PORT." >&2
        exit 1
    fi
done

zizhu_log "Building (the first build fetches and compiles the dependencies: 5 to 15 minutes)"
swift build 2>&1 | grep -E 'error:|Build complete|Compiling [A-Z]' | grep -v '^\[' || true
[ "${PIPESTATUS[0]}" = 0 ] || { echo "build failed; run 'swift build' to see why" >&2; exit 1; }
bin=$(swift build --show-bin-path)

state=$repo/.zizhu-demo
rm -rf "$state"
mkdir -p "$state/logs" "$state/printer" "$state/hub" "$state/kiosk"
pids=()
cleanup() {
    trap - EXIT INT TERM HUP
    # Output may go to a pipe whose reader Ctrl-C has already ended (demo.sh | tee): a write
    # must not kill the cleanup before it has stopped every service.
    trap '' PIPE
    printf '\n' >&2
    zizhu_log "Stopping the demo's services"
    # Reverse order of start; SIGTERM first, SIGKILL for anything still there after 5 seconds.
    local index
    for ((index = ${#pids[@]} - 1; index >= 0; index--)); do kill "${pids[index]}" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    zizhu_log "Stopped. Logs are in $state/logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

zizhu_log "Recording the demo camera's frames (a face that comes closer, then blinks)"
# The kiosk plays them as its camera (camera.source) from the face check's first frame, with the
# fixed plan they act out (camera.demo_plan: come closer, then blink); every run makes the same frames.
/usr/bin/python3 kiosk/lib/challenge_frames.py --demo "$state/camera" > "$state/logs/camera.log" 2>&1 \
    || { cat "$state/logs/camera.log" >&2; exit 1; }

zizhu_log "Starting pcscd with a vpcd reader (port $VPCD_PORT)"
pids+=("$(kiosk/lib/pcscd-env.sh "$state/pcscd" "$VPCD_PORT" "Zizhu Demo Reader")")
export PCSCLITE_CSOCK_NAME=$state/pcscd/run/pcscd.comm

zizhu_log "Starting the emulated receipt printer (port $PRINTER_PORT) and cupsd"
"$bin/zizhu-printersim" --port "$PRINTER_PORT" --output "$state/printer" --control "$state/printersim.sock" \
    > "$state/logs/printer.log" 2>&1 &
pids+=("$!")
# The receipt queue goes through our zizhu-escpos backend, which reports the paper sensor to CUPS.
pids+=("$(kiosk/lib/cups-env.sh "$state/cups" "$PRINTER_PORT" "$bin/zizhu-escpos" | tail -n 1)")

zizhu_log "Seeding the hub with a synthetic population (the demo cards' holders among them) and demo staff"
(cd "$state/hub" && exec "$bin/zizhu-hub" seed-demo --cards "$repo/assets/cards") > "$state/logs/seed.log" 2>&1 \
    || { cat "$state/logs/seed.log" >&2; exit 1; }
grep -h '^seeded' "$state/logs/seed.log" >&2 || true

zizhu_log "Starting the hub (http://127.0.0.1:$HUB_PORT)"
(cd "$state/hub" && exec "$bin/zizhu-hub" serve --host 127.0.0.1 --port "$HUB_PORT") > "$state/logs/hub.log" 2>&1 &
pids+=("$!")

zizhu_log "Starting the card emulator with a synthetic card (张三, 3.0) inserted"
# Profiles are copied: the emulator writes PIN tries back, like a chip, and the repository's
# copies stay as they are.
cp -r assets/cards "$state/cards"
"$bin/zizhu-cardsim" --port "$VPCD_PORT" --control "$state/cardsim.sock" --profile "$state/cards/zhang-san-3.0.json" \
    > "$state/logs/cardsim.log" 2>&1 &
pids+=("$!")

cat > "$state/env" <<EOT
# source this file to point zizhuctl at the demo's services
export PATH=$bin:\$PATH
export PCSCLITE_CSOCK_NAME=$PCSCLITE_CSOCK_NAME
export CUPS_SERVER=$state/cups/cups.sock
export ZIZHU_PRINTER_CUPS_SERVER=$state/cups/cups.sock
export ZIZHU_HUB_URL=http://127.0.0.1:$HUB_PORT
export ZIZHU_UI_ASSETS_DIRECTORY=$repo/assets
export ZIZHU_STORAGE_STATE_DIRECTORY=$state/kiosk
export ZIZHU_CARDSIM_CONTROL=$state/cardsim.sock
export ZIZHU_PRINTERSIM_CONTROL=$state/printersim.sock
EOT
# shellcheck disable=SC1091
source "$state/env"

for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$HUB_PORT") 2>/dev/null && break
    sleep 0.1
done

zizhu_log "Enrolling the kiosk with the hub (a one-time code from zizhuctl, as an operator would)"
# The kiosk's Ed25519 key (kept in $state/kiosk) then signs its requests and its certificates.
enrollment_code=$("$bin/zizhuctl" hub enroll-code --office "演示街道社区服务中心" --database "$state/hub/zizhu-hub.sqlite" 2>/dev/null)
"$bin/zizhu-kiosk" enroll "http://127.0.0.1:$HUB_PORT" "$enrollment_code" > "$state/logs/enroll.log" 2>&1 \
    || { cat "$state/logs/enroll.log" >&2; exit 1; }

zizhu_log "Printing a sample certificate (synthetic person) on the receipt printer and as an A4 PDF"
"$bin/zizhuctl" printer sample-certificate > "$state/logs/sample-receipt.log" 2>&1 || cat "$state/logs/sample-receipt.log" >&2
"$bin/zizhuctl" printer sample-certificate --a4 > "$state/logs/sample-a4.log" 2>&1 || cat "$state/logs/sample-a4.log" >&2
grep -h '^verification code' "$state/logs/sample-a4.log" >&2 || true
zizhu_log "Printing: receipts land in $state/printer (job-N.txt is what the paper shows), A4 PDFs in $state/cups/pdf"
zizhu_log "  to scan a PDF's QR code: pdftoppm -r 150 -png -f 1 -l 1 <file.pdf> /tmp/page && zbarimg /tmp/page-1.png"
zizhu_log "  try: source $state/env; zizhuctl printer paper-out; zizhuctl printer status; zizhuctl printer paper-ok"
zizhu_log "The hub's dashboard: http://127.0.0.1:$HUB_PORT/staff (staff logins below, also in $state/logs/seed.log)"
grep -h '^dashboard login' "$state/logs/seed.log" >&2 || true
"$bin/zizhuctl" operator-code --init > "$state/logs/operator-code.log" 2>&1 || cat "$state/logs/operator-code.log" >&2
zizhu_log "Staff mode: tap 工作人员专用 on the kiosk and type the code from: source $state/env; zizhuctl operator-code"
zizhu_log "The camera is a recording ($state/camera); what the kiosk says is also written to $state/logs/speech.log"
zizhu_log "Starting the kiosk screen (Ctrl-C stops the demo; logs in $state/logs)"
sleep 1
# The kiosk draws on this terminal; its log lines go to a file so they never cover the screen.
ZIZHU_CAMERA_SOURCE=$state/camera ZIZHU_CAMERA_DEMO_PLAN=true ZIZHU_UI_SPEECH_TRANSCRIPT=$state/logs/speech.log \
    "$bin/zizhu-kiosk" run 2> "$state/logs/kiosk.log" || true

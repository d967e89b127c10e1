# The world one kiosk needs, as KioskFlowTests' `World` starts it, for shell scripts (the screen
# capture harness and the kiosk benchmarks). Sourced, not run; needs root (private pcscd and
# cupsd in their own mount namespaces, as kiosk/lib/pcscd-env.sh and cups-env.sh explain).
#
#   source kiosk/lib/kiosk-world.sh
#   zizhu_world_start DIR BIN [CARD-PROFILE]   # CARD-PROFILE inserted at start; "" = empty reader
#   ... $ZIZHU_WORLD_ENV holds the kiosk's environment as NAME=VALUE words for `env` ...
#   zizhu_world_stop                           # stops what zizhu_world_start started, by PID
#
# What it starts: pcscd with one vpcd reader and zizhu-cardsim behind it (control socket
# DIR/cardsim.sock), zizhu-printersim with a private cupsd (zizhu-receipt through the zizhu-escpos
# backend), a hub seeded with 200 synthetic people plus the demo cards' holders, and a kiosk state
# folder enrolled with that hub (DIR/kiosk). Ports are free ones chosen at start.

zizhu_world_pids=()

# zizhu_free_port: a TCP port nobody listens on, with the next one free too (vpcd takes two).
zizhu_free_port() {
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && ! (exec 3<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no free TCP port found" >&2
    return 1
}

zizhu_world_start() {
    local dir=${1:?usage: zizhu_world_start DIR BIN [CARD-PROFILE]} bin=${2:?usage: zizhu_world_start DIR BIN [CARD-PROFILE]}
    local card=${3-zhang-san-3.0.json}
    local repo
    repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    mkdir -p "$dir/logs" "$dir/printer" "$dir/kiosk"
    local vpcd_port printer_port hub_port
    vpcd_port=$(zizhu_free_port); printer_port=$(zizhu_free_port); hub_port=$(zizhu_free_port)

    zizhu_world_pids+=("$("$repo/kiosk/lib/pcscd-env.sh" "$dir/pcscd" "$vpcd_port" "Zizhu Test Reader")")
    "$bin/zizhu-printersim" --port "$printer_port" --output "$dir/printer" --control "$dir/printersim.sock" \
        > "$dir/logs/printer.log" 2>&1 &
    zizhu_world_pids+=("$!")
    zizhu_world_pids+=("$("$repo/kiosk/lib/cups-env.sh" "$dir/cups" "$printer_port" "$bin/zizhu-escpos" | tail -n 1)")

    # The emulator writes PIN tries back into its profile, like a chip: it gets copies.
    cp -r "$repo/assets/cards" "$dir/cards"
    local card_arguments=()
    [ -n "$card" ] && card_arguments=(--profile "$dir/cards/$card")
    "$bin/zizhu-cardsim" --port "$vpcd_port" --control "$dir/cardsim.sock" "${card_arguments[@]}" \
        > "$dir/logs/cardsim.log" 2>&1 &
    zizhu_world_pids+=("$!")

    "$bin/zizhu-hub" seed-demo --database "$dir/hub.sqlite" --people 200 --cards "$repo/assets/cards" \
        > "$dir/logs/seed.log" 2>&1 || { cat "$dir/logs/seed.log" >&2; return 1; }
    ZIZHU_STORAGE_DATABASE=$dir/hub.sqlite ZIZHU_STORAGE_EVIDENCE_KEY=$dir/evidence.key \
        "$bin/zizhu-hub" serve --host 127.0.0.1 --port "$hub_port" > "$dir/logs/hub.log" 2>&1 &
    zizhu_world_pids+=("$!")
    local up=0
    for _ in $(seq 400); do
        (exec 3<>"/dev/tcp/127.0.0.1/$hub_port") 2>/dev/null && { up=1; break; }
        sleep 0.05
    done
    [ "$up" = 1 ] || { echo "the hub did not start; its log says:" >&2; cat "$dir/logs/hub.log" >&2; return 1; }

    ZIZHU_WORLD_HUB_URL=http://127.0.0.1:$hub_port
    ZIZHU_WORLD_ENV=(
        "PCSCLITE_CSOCK_NAME=$dir/pcscd/run/pcscd.comm"
        "ZIZHU_PRINTER_CUPS_SERVER=$dir/cups/cups.sock"
        "ZIZHU_HUB_URL=$ZIZHU_WORLD_HUB_URL"
        "ZIZHU_UI_ASSETS_DIRECTORY=$repo/assets"
        "ZIZHU_STORAGE_STATE_DIRECTORY=$dir/kiosk"
        "ZIZHU_UI_SPEECH=off"
        "ZIZHU_UI_SPEECH_TRANSCRIPT=$dir/speech.log"
        "ZIZHU_CARDSIM_CONTROL=$dir/cardsim.sock"
        "ZIZHU_PRINTERSIM_CONTROL=$dir/printersim.sock"
        "LANG=C.UTF-8"
    )
    # Enrolled as an operator does it: a one-time code from zizhuctl, then zizhu-kiosk enroll.
    local code
    code=$("$bin/zizhuctl" hub enroll-code --office "湖滨街道" --database "$dir/hub.sqlite" 2>/dev/null)
    env "${ZIZHU_WORLD_ENV[@]}" "$bin/zizhu-kiosk" enroll "$ZIZHU_WORLD_HUB_URL" "$code" > "$dir/logs/enroll.log" 2>&1 \
        || { cat "$dir/logs/enroll.log" >&2; return 1; }
}

# zizhu_world_hub_stop: the hub alone goes away (a kiosk that lost its network).
zizhu_world_hub_stop() {
    local index
    for index in "${!zizhu_world_pids[@]}"; do
        if [ "$(cat "/proc/${zizhu_world_pids[index]}/comm" 2>/dev/null)" = zizhu-hub ]; then
            kill "${zizhu_world_pids[index]}" 2>/dev/null || true
        fi
    done
}

zizhu_world_stop() {
    local index pid
    for ((index = ${#zizhu_world_pids[@]} - 1; index >= 0; index--)); do kill "${zizhu_world_pids[index]}" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${zizhu_world_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for pid in "${zizhu_world_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    zizhu_world_pids=()
}

#!/bin/bash
# Removes what kiosk/install.sh put on this kiosk: stops and disables the Zizhu units, removes
# them, the programs, the Swift runtime copy, assets, documentation, the polkit rule, and gives
# tty1 back to getty. Kept unless --purge: the kiosk's state in /var/lib/zizhu (its journal with
# items the hub may not have yet, its device and enrollment keys), /etc/zizhu (the operator's
# configuration) and the user zizhu. Debian packages stay installed (other software may use them).
#
#   kiosk/uninstall.sh [--dry-run] [--purge]
#
#   --dry-run   print every action and change nothing (no root needed)
#   --purge     also delete /var/lib/zizhu, /etc/zizhu and the user zizhu: the journal and keys
#               are gone for good; first check `zizhu-kiosk journal status` shows nothing waiting
#
# Running it again when nothing is left does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0 purge=0
for argument in "$@"; do
    case "$argument" in
    --dry-run) dry_run=1 ;;
    --purge) purge=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $argument (see kiosk/uninstall.sh --help)" >&2; exit 2 ;;
    esac
done

UNIT_DIR=/etc/systemd/system
STATE_DIR=/var/lib/zizhu
CONFIG_DIR=/etc/zizhu
USER_NAME=zizhu
units=(zizhu-kiosk-session.service zizhu-kiosk.service zizhu-hub.service)
files=(/usr/local/bin/zizhu-kiosk /usr/local/bin/zizhuctl /usr/local/bin/zizhu-hub /usr/lib/cups/backend/zizhu-escpos
       /etc/polkit-1/rules.d/60-zizhu-pcscd.rules /etc/ld.so.conf.d/zizhu-swift.conf)
folders=(/usr/lib/zizhu /usr/share/zizhu /usr/share/doc/zizhu)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# shell_words WORD...: the words as a shell would read them back, quoted only where needed.
shell_words() {
    local word out=""
    for word in "$@"; do
        if [[ "$word" =~ ^[A-Za-z0-9_./,:=@+%-]+$ ]]; then out+="$word "; else out+="$(printf '%q' "$word") "; fi
    done
    printf '%s' "$out"
}
act() {
    local shown
    shown=$(shell_words "$@")
    if [ "$dry_run" = 1 ]; then
        printf 'would run: %s\n' "${shown% }"
    else
        printf '  %s\n' "${shown% }"
        "$@"
    fi
}

if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "Run this as root, or with --dry-run to see what it would do." >&2
    exit 1
fi

say "systemd units"
for unit in "${units[@]}"; do
    if [ -e "$UNIT_DIR/$unit" ] || [ "$dry_run" = 1 ]; then
        # A unit that is not loaded is fine: nothing to stop.
        act systemctl disable --now "$unit" || true
        act rm -f "$UNIT_DIR/$unit"
    fi
done
act systemctl daemon-reload
act systemctl enable getty@tty1.service

say "Programs, libraries, assets, documentation, polkit rule"
for file in "${files[@]}"; do
    if [ -e "$file" ] || [ "$dry_run" = 1 ]; then act rm -f "$file"; fi
done
for folder in "${folders[@]}"; do
    if [ -e "$folder" ] || [ "$dry_run" = 1 ]; then act rm -rf "$folder"; fi
done
act ldconfig

if [ "$purge" = 1 ]; then
    say "Purging state, configuration and the user $USER_NAME"
    if [ -e "$STATE_DIR" ] || [ "$dry_run" = 1 ]; then act rm -rf "$STATE_DIR"; fi
    if [ -e "$CONFIG_DIR" ] || [ "$dry_run" = 1 ]; then act rm -rf "$CONFIG_DIR"; fi
    if id "$USER_NAME" >/dev/null 2>&1 || [ "$dry_run" = 1 ]; then act userdel "$USER_NAME"; fi
else
    say "Kept: $STATE_DIR (journal, keys), $CONFIG_DIR (configuration), the user $USER_NAME (--purge removes them)"
fi
# A hub installed with --with-hub keeps its database (DynamicUser: /var/lib/private/zizhu-hub) either way.
[ -e /var/lib/private/zizhu-hub ] && say "Kept: /var/lib/private/zizhu-hub (the hub's database); remove it by hand if it is not needed"
say "Done. Debian packages were left installed."
exit 0

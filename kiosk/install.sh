#!/bin/bash
# Installs Zizhu on a real kiosk (Debian 12, as root, from this repository):
#   - the appliance's Debian packages (pcscd and CCID readers, cups, Xorg + xinit + xterm,
#     the CJK font, espeak-ng, OpenCV's cascades, polkit);
#   - a release build (swift build -c release --scratch-path .build-release) of zizhu-kiosk,
#     zizhuctl and the zizhu-escpos CUPS backend, to /usr/local/bin and /usr/lib/cups/backend,
#     with the Swift runtime libraries they load in /usr/lib/zizhu/swift;
#   - the system user zizhu (groups video: camera and display; input: the touch panel; audio:
#     the spoken prompts);
#   - assets in /usr/share/zizhu/assets, the xterm session script in /usr/lib/zizhu, the systemd
#     units in /etc/systemd/system, a commented /etc/zizhu/kiosk.yaml if there is none (an existing
#     one is never touched), and a polkit rule letting zizhu use pcscd (for a pcscd built with
#     polkit: Debian 12's is not, Debian 13's is);
#   - getty@tty1 disabled (the kiosk screen takes tty1); the units enabled, started only with --start.
#
#   kiosk/install.sh [--dry-run] [--start] [--no-build] [--no-packages] [--with-hub]
#
#   --dry-run      print every action and change nothing (no root needed)
#   --start        start the kiosk's units at the end (else they start at the next boot)
#   --no-build     install the binaries already in .build-release (built on this machine)
#   --no-packages  skip apt-get (packages installed by other means)
#   --with-hub     also install zizhu-hub and zizhu-hub.service (a hub on the same machine)
#
# Running it again updates binaries, assets and units and changes nothing else. Undo it with
# kiosk/uninstall.sh. After installing, enroll the kiosk with the hub once:
#   runuser -u zizhu -- zizhu-kiosk enroll https://hub.example.gov.cn <code from zizhuctl hub enroll-code>
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

dry_run=0 start=0 build=1 packages=1 with_hub=0
for argument in "$@"; do
    case "$argument" in
    --dry-run) dry_run=1 ;;
    --start) start=1 ;;
    --no-build) build=0 ;;
    --no-packages) packages=0 ;;
    --with-hub) with_hub=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $argument (see kiosk/install.sh --help)" >&2; exit 2 ;;
    esac
done

# The appliance's packages. libccid drives USB smart-card readers; the rest are the runtime
# libraries of the binaries (their -dev packages are only needed to build).
APPLIANCE_PACKAGES="pcscd libccid libpcsclite1 cups cups-client cups-bsd libcups2 polkitd
    xserver-xorg-core xserver-xorg-input-libinput xinit xterm x11-utils fonts-noto-cjk
    espeak-ng opencv-data libjpeg62-turbo libsqlite3-0 libcairo2 libqrencode4 sqlite3"
source kiosk/lib/common.sh   # ZIZHU_BUILD_PACKAGES, zizhu_find_swift

PREFIX_BIN=/usr/local/bin
LIB_DIR=/usr/lib/zizhu
SHARE_DIR=/usr/share/zizhu
DOC_DIR=/usr/share/doc/zizhu
UNIT_DIR=/etc/systemd/system
CONFIG_DIR=/etc/zizhu
STATE_DIR=/var/lib/zizhu
CUPS_BACKEND=/usr/lib/cups/backend/zizhu-escpos
POLKIT_RULE=/etc/polkit-1/rules.d/60-zizhu-pcscd.rules
LDCONFIG_FILE=/etc/ld.so.conf.d/zizhu-swift.conf
USER_NAME=zizhu
USER_GROUPS=video,input,audio
SCRATCH=.build-release

products=(zizhu-kiosk zizhuctl zizhu-escpos)
units=(zizhu-kiosk.service zizhu-kiosk-session.service)
if [ "$with_hub" = 1 ]; then
    products+=(zizhu-hub)
    units+=(zizhu-hub.service)
fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
# shell_words WORD...: the words as a shell would read them back, quoted only where needed
# (printf %q alone escapes harmless commas: video\,input).
shell_words() {
    local word out=""
    for word in "$@"; do
        if [[ "$word" =~ ^[A-Za-z0-9_./,:=@+%-]+$ ]]; then out+="$word "; else out+="$(printf '%q' "$word") "; fi
    done
    printf '%s' "$out"
}
# act COMMAND...: runs it, or with --dry-run prints it.
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
# write_file PATH MODE CONTENT: replaces PATH atomically, or with --dry-run says it would.
write_file() {
    if [ "$dry_run" = 1 ]; then
        printf 'would write: %s (mode %s)\n' "$1" "$2"
        return
    fi
    install -d -m 0755 "$(dirname "$1")"
    printf '%s\n' "$3" > "$1.new"
    chmod "$2" "$1.new"
    mv "$1.new" "$1"
    printf '  wrote %s\n' "$1"
}

if [ "$dry_run" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "Run this as root (it installs packages, a system user, files under /usr and /etc, systemd units)," >&2
    echo "or with --dry-run to see what it would do." >&2
    exit 1
fi
if ! grep -q '^VERSION_ID="12"' /etc/os-release 2>/dev/null; then
    echo "warning: this is made for Debian 12 (bookworm); /etc/os-release says otherwise." >&2
fi
if dpkg-query -W -f='${Status}' vsmartcard-vpcd 2>/dev/null | grep -q 'install ok installed'; then
    echo "warning: vsmartcard-vpcd is installed. Its virtual reader listens on all network interfaces, so" >&2
    echo "anyone on the network could 'insert' a card: remove it from a production kiosk (apt-get purge vsmartcard-vpcd)." >&2
fi

say "Debian packages"
if [ "$packages" = 1 ]; then
    wanted="$APPLIANCE_PACKAGES"
    [ "$build" = 1 ] && wanted="$wanted $ZIZHU_BUILD_PACKAGES"
    missing=()
    for package in $wanted; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} = 0 ]; then
        echo "  all present"
    else
        act apt-get update -qq
        act env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
else
    echo "  skipped (--no-packages)"
fi

say "Release build ($SCRATCH)"
if [ "$build" = 1 ]; then
    [ "$dry_run" = 1 ] || zizhu_find_swift
    for product in "${products[@]}"; do
        act swift build -c release --scratch-path "$SCRATCH" --product "$product"
    done
else
    echo "  skipped (--no-build): using $SCRATCH/release"
fi
bin=$repo/$SCRATCH/release
if [ "$dry_run" = 0 ]; then
    for product in "${products[@]}"; do
        [ -x "$bin/$product" ] || { echo "$bin/$product is missing: build it (run without --no-build)" >&2; exit 1; }
    done
fi

say "Swift runtime libraries ($LIB_DIR/swift)"
# The binaries load the Swift runtime from the toolchain (their RUNPATH); a copy in the linker's
# cache keeps them working when the toolchain is removed or moved.
runtime=
if [ -x "$bin/zizhu-kiosk" ]; then
    runtime=$(readelf -d "$bin/zizhu-kiosk" | sed -n 's/.*RUNPATH.*\[\([^:]*\).*/\1/p')
fi
runtime=${runtime:-/opt/swift/usr/lib/swift/linux}
act install -d -m 0755 "$LIB_DIR/swift"
if [ "$dry_run" = 1 ]; then
    printf 'would run: install -m 0644 %s/*.so %s/swift/\n' "$runtime" "$LIB_DIR"
else
    act find "$runtime" -maxdepth 1 -name '*.so' -exec install -m 0644 {} "$LIB_DIR/swift/" ';'
fi
write_file "$LDCONFIG_FILE" 0644 "$LIB_DIR/swift"
act ldconfig

say "User $USER_NAME (groups $USER_GROUPS)"
if id "$USER_NAME" >/dev/null 2>&1; then
    echo "  $USER_NAME exists"
    act usermod -a -G "$USER_GROUPS" "$USER_NAME"
else
    act useradd --system --user-group --groups "$USER_GROUPS" --home-dir "$STATE_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "Zizhu kiosk" "$USER_NAME"
fi
# The units' StateDirectory= makes it too; made here so the kiosk can be enrolled before it starts.
act install -d -o "$USER_NAME" -g "$USER_NAME" -m 0700 "$STATE_DIR"

say "Programs"
act install -m 0755 "$bin/zizhu-kiosk" "$PREFIX_BIN/zizhu-kiosk"
act install -m 0755 "$bin/zizhuctl" "$PREFIX_BIN/zizhuctl"
[ "$with_hub" = 1 ] && act install -m 0755 "$bin/zizhu-hub" "$PREFIX_BIN/zizhu-hub"
# cupsd runs a backend as user lp when it is root-owned and mode 0755.
act install -o root -g root -m 0755 "$bin/zizhu-escpos" "$CUPS_BACKEND"
act install -m 0755 kiosk/lib/xterm-kiosk.sh "$LIB_DIR/xterm-kiosk.sh"

say "Assets and documentation"
# The demo's synthetic card profiles stay behind: a kiosk reads real cards.
act rm -rf "$SHARE_DIR/assets.new"
act install -d -m 0755 "$SHARE_DIR/assets.new"
act cp -r assets/. "$SHARE_DIR/assets.new/"
act rm -rf "$SHARE_DIR/assets.new/cards"
act rm -rf "$SHARE_DIR/assets"
act mv "$SHARE_DIR/assets.new" "$SHARE_DIR/assets"
act install -d -m 0755 "$DOC_DIR"
act install -m 0644 README.md ARCHITECTURE.md docs/configuration.md "$DOC_DIR/"

say "Configuration ($CONFIG_DIR/kiosk.yaml)"
act install -d -m 0755 "$CONFIG_DIR"
if [ -e "$CONFIG_DIR/kiosk.yaml" ]; then
    echo "  $CONFIG_DIR/kiosk.yaml exists: left as it is"
else
    act install -o root -g "$USER_NAME" -m 0640 kiosk/lib/kiosk.yaml.template "$CONFIG_DIR/kiosk.yaml"
fi

say "Operator key for staff mode ($STATE_DIR/operator.key)"
# Staff open staff mode (工作人员专用 on the screen) with the code 'zizhuctl operator-code' prints;
# an existing key is kept, so codes staff know how to get keep working after an update.
act "$PREFIX_BIN/zizhuctl" operator-code --init --key-file "$STATE_DIR/operator.key"

say "polkit: $USER_NAME may use pcscd ($POLKIT_RULE)"
rule=$(cat <<'EOT'
// Zizhu (kiosk/install.sh): the kiosk runs as the system user zizhu, and its background service
// has no seat. A pcscd built with polkit (Debian 13's; Debian 12's 1.9.9 is built without it, so
// this rule waits there unused) refuses such a client unless a rule lets it in.
polkit.addRule(function(action, subject) {
    if ((action.id == "org.debian.pcsc-lite.access_pcsc" ||
         action.id == "org.debian.pcsc-lite.access_card") &&
        subject.user == "zizhu") {
        return polkit.Result.YES;
    }
});
EOT
)
write_file "$POLKIT_RULE" 0644 "$rule"

say "systemd units"
for unit in "${units[@]}"; do
    act install -m 0644 "systemd/$unit" "$UNIT_DIR/$unit"
done
act systemctl daemon-reload
# The kiosk screen owns tty1 (its unit also Conflicts= with the getty).
act systemctl disable getty@tty1.service
act systemctl enable pcscd.socket cups.service "${units[@]}"
if [ "$dry_run" = 0 ] && [ "$(systemctl get-default)" != graphical.target ]; then
    echo "  note: the default target is $(systemctl get-default); the kiosk screen starts with graphical.target:"
    echo "        systemctl set-default graphical.target"
fi

if [ "$start" = 1 ]; then
    say "Starting"
    act systemctl restart pcscd.socket cups.service
    act systemctl restart "${units[@]}"
else
    say "Installed; the units start at the next boot (or now: systemctl start ${units[*]})"
fi
if [ ! -e "$STATE_DIR/hub-identity.key" ] && [ "$dry_run" = 0 ]; then
    echo "Next: enroll this kiosk with its hub (a one-time code from 'zizhuctl hub enroll-code --office <name>' on the hub):"
    echo "  runuser -u $USER_NAME -- zizhu-kiosk enroll https://hub.example.gov.cn <code>"
fi
echo "Staff mode: tap 工作人员专用 on the kiosk and type the code from 'zizhuctl operator-code' (as root; a new code every 5 minutes)."

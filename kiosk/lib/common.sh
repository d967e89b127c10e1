# Shared helpers for kiosk/demo.sh and kiosk/test.sh (sourced, not run).

# Debian packages, by purpose. Installing is idempotent: only missing packages are fetched.
ZIZHU_BUILD_PACKAGES="pkg-config libpcsclite-dev libcups2-dev libjpeg-dev libsqlite3-dev libcairo2-dev libqrencode-dev fonts-noto-cjk"
ZIZHU_DEVICE_PACKAGES="pcscd vsmartcard-vpcd cups cups-client cups-bsd printer-driver-cups-pdf util-linux"
# The kiosk reads OpenCV's Haar cascades at run time (face detection for the liveness check).
ZIZHU_DEVICE_PACKAGES="$ZIZHU_DEVICE_PACKAGES opencv-data"
# The demo's camera: a recording made at start from scikit-image's astronaut photo (public domain)
# by kiosk/lib/challenge_frames.py --demo.
ZIZHU_DEMO_PACKAGES="python3-opencv python3-skimage"
ZIZHU_TEST_PACKAGES="postgresql postgresql-client unicode-data pcsc-tools python3-pyscard opensc tmux espeak-ng python3-venv openssl sqlite3 poppler-utils zbar-tools"
# The console: tmux and espeak-ng (above) for its tests, xterm under Xvfb with the CJK font for the
# large-mode test and the screenshot harness (docs/screens/capture.sh: xdotool taps, import shots).
ZIZHU_TEST_PACKAGES="$ZIZHU_TEST_PACKAGES xvfb xterm x11-utils xdotool imagemagick fonts-noto-cjk"
# The hub's dashboard and verify page rendered by headless Chromium (kiosk/lib/hub-dashboard-screens.sh).
ZIZHU_TEST_PACKAGES="$ZIZHU_TEST_PACKAGES chromium"
# Face detection: OpenCV 4.6 as the oracle and benchmark baseline (kiosk/lib/face_oracle.py),
# and the photos the fixtures are made from (scikit-image's astronaut and camera; opencv-doc's
# basketball1 and messi5).
ZIZHU_TEST_PACKAGES="$ZIZHU_TEST_PACKAGES python3-opencv python3-skimage opencv-doc"

zizhu_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

zizhu_require_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "Run this as root: it installs Debian packages and starts private pcscd and cupsd instances" >&2
        echo "(in their own mount namespaces; nothing under /etc is changed)." >&2
        exit 1
    fi
}

# zizhu_install_packages PACKAGE... — apt-get installs what is missing, nothing else.
zizhu_install_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        zizhu_log "Debian packages: all present"
        return
    fi
    zizhu_log "Installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # policy-rc.d keeps the packages' own services (system cupsd, pcscd) from being started:
    # the demo and the tests run private instances.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 0755 "$policy"; created_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$created_policy" = 1 ] && rm -f "$policy"
    return 0
}

# Puts swift on PATH: the toolchain is expected at /opt/swift (or already on PATH).
zizhu_find_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH=/opt/swift/usr/bin:$PATH
        else
            echo "Swift 6.1 or later is needed: install it from https://www.swift.org/install/linux/ (to /opt/swift or on PATH)." >&2
            exit 1
        fi
    fi
}

# Python tools from PyPI for the tests (schemathesis against the hub's OpenAPI document, and the
# cryptography package its signing proxy uses), pinned, in a virtual environment of their own.
ZIZHU_TEST_VENV=${ZIZHU_TEST_VENV:-/var/cache/zizhu-test/venv}
ZIZHU_TEST_PYPI="schemathesis==4.32.5 cryptography==50.0.2"
zizhu_test_venv() {
    local stamp="$ZIZHU_TEST_VENV/.zizhu-requirements"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ZIZHU_TEST_PYPI" ]; then
        return
    fi
    zizhu_log "Making the test virtual environment in $ZIZHU_TEST_VENV ($ZIZHU_TEST_PYPI)"
    rm -rf "$ZIZHU_TEST_VENV"
    /usr/bin/python3 -m venv "$ZIZHU_TEST_VENV"
    # shellcheck disable=SC2086
    "$ZIZHU_TEST_VENV/bin/pip" install --quiet --disable-pip-version-check $ZIZHU_TEST_PYPI
    echo "$ZIZHU_TEST_PYPI" > "$stamp"
}

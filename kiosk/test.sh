#!/bin/bash
# Runs every Zizhu test on this machine (Debian 12, as root).
#
#   kiosk/test.sh [extra arguments for `swift test`, e.g. --filter CitizenID: one run with them]
#
# Installs what the tests need (once), builds everything, then runs the suites. Suites start their
# own private services (pcscd + vpcd + zizhu-cardsim, cupsd + zizhu-printersim, PostgreSQL, the
# hub) on free ports and stop them by PID; this script then checks that none is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
source kiosk/lib/common.sh
zizhu_require_root
# shellcheck disable=SC2086
zizhu_install_packages $ZIZHU_BUILD_PACKAGES $ZIZHU_DEVICE_PACKAGES $ZIZHU_TEST_PACKAGES
zizhu_test_venv
export ZIZHU_TEST_VENV
zizhu_find_swift

zizhu_log "Building (the first build fetches and compiles the dependencies: 5 to 15 minutes)"
mkdir -p .build
swift build --build-tests 2>&1 | tee .build/zizhu-build.log | grep -E 'error:|warning:|Compiling|Build complete' | grep -v '^\[' || true
[ "${PIPESTATUS[0]}" = 0 ] || { echo "build failed: see .build/zizhu-build.log" >&2; exit 1; }
# Warnings in our own code fail the run; the dependencies' warnings are theirs.
if grep -E "^$PWD/(Sources|Tests)/.*warning:" .build/zizhu-build.log; then
    echo "the build warns in project code (above); fix the warnings" >&2
    exit 1
fi

bin_dir=$(swift build --show-bin-path)
status=0
if [ $# -gt 0 ]; then
    zizhu_log "Testing (swift test $*)"
    ZIZHU_BIN_DIR=$bin_dir swift test --skip-build "$@" || status=$?
else
    # One test target at a time, its tests in parallel. All targets at once start dozens of
    # pcscd, cupsd, PostgreSQL, hub, xterm and Chromium processes together; on a 2-core machine
    # that starves them past every reasonable timeout. Target by target, each test still runs
    # beside the others of its kind.
    failed=()
    for target in $(cd Tests && ls -d */ | tr -d / | grep -vx TestSupport); do
        zizhu_log "Testing $target"
        ZIZHU_BIN_DIR=$bin_dir swift test --skip-build --filter "^$target\\." || { status=1; failed+=("$target"); }
    done
    [ ${#failed[@]} = 0 ] || echo "failed test targets: ${failed[*]}" >&2
fi

# Every service a test started must be gone (tests stop them; TestSupport kills leftovers at exit).
leftovers=$(pgrep -af 'zizhu-test-|zizhu-cardsim|zizhu-printersim|zizhu-hub serve|hub_signing_proxy' | grep -v pgrep || true)
if [ -n "$leftovers" ]; then
    echo "processes left behind by the tests:" >&2
    echo "$leftovers" >&2
    status=1
fi
rm -rf /tmp/zizhu-test-*
[ "$status" = 0 ] && zizhu_log "All tests passed" || zizhu_log "Tests FAILED"
exit "$status"

#!/bin/bash
# Regenerates docs/screens/hub/*.png: the hub's fleet dashboard (20 kiosks in mixed states) at
# 1920×1080 and at a phone's 412×915, and the certificate verify page on a phone, drawn by
# Debian's headless Chromium (DashboardScreenshotTests). Look at them before committing.
#
#   kiosk/lib/hub-dashboard-screens.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build --build-tests
mkdir -p docs/screens/hub
ZIZHU_SCREENS_DIR=docs/screens/hub ZIZHU_BIN_DIR=$(swift build --show-bin-path) \
    swift test --skip-build --filter DashboardScreenshotTests
ls -l docs/screens/hub

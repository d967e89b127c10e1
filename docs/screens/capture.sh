#!/bin/bash
# Screenshots of zizhu-console-demo in the production stack minus the GPU (console.md §4.2):
# Xvfb 1920x1080 and the kiosk's xterm (kiosk/lib/xterm-kiosk.sh: Noto Sans Mono CJK SC at 32 px,
# 120x22 cells of 16x48 px), taps by xdotool at pixel positions. Large mode switches xterm to
# 40 px (96x18 cells of 20x59 px). Writes docs/screens/*.png. Needs xvfb xterm xdotool x11-utils
# imagemagick fonts-noto-cjk; run from the repository root after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
demo="$(swift build --show-bin-path)/zizhu-console-demo"
out=docs/screens
display=:97
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp & xvfb=$!
xterm=
trap 'kill $xterm $xvfb 2>/dev/null || true' EXIT
export DISPLAY=$display LANG=C.UTF-8
sleep 1
kiosk/lib/xterm-kiosk.sh "$demo" --xterm-fonts & xterm=$!
sleep 2
# The cell size of the current font: 16x48 at 32 px, 20x59 at 40 px.
cell_width=16 cell_height=48
# Taps the centre of cell (column, row), 0-based as the golden files' targets give them.
tap() { xdotool mousemove $(($1 * cell_width + cell_width / 2)) $(($2 * cell_height + cell_height / 2)) click 1; sleep 0.6; }
shot() { import -window root "$out/$1.png"; }

shot welcome
tap 111 20        # 开始
for key in "94 5" "104 5" "114 5"; do tap $key; done   # 1 2 3 on the keypad
shot pin
for key in "94 8" "104 8" "114 8"; do tap $key; done   # 4 5 6
tap 111 20        # 确认
sleep 0.3
shot verifying
sleep 2
shot records
tap 111 20        # 完成: the session ends, back to the first screen in the normal size
tap 39 7          # 大字号: xterm switches to 40 px and the demo relays out at 96x18
sleep 1
cell_width=20 cell_height=59
shot welcome-large
tap 85 17         # 开始
for key in "65 4" "77 4"; do tap $key; done            # 1 2
shot pin-large

#!/bin/bash
# Screenshots of zizhu-console-demo in the production stack minus the GPU (console.md §4.2):
# Xvfb 1920x1080, xterm with Noto Sans Mono CJK SC at 32 px (120x22 cells of 16x48 px), taps by
# xdotool at pixel positions. Writes docs/screens/*.png. Needs xvfb xterm xdotool imagemagick
# fonts-noto-cjk; run from the repository root after `swift build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
demo="$(swift build --show-bin-path)/zizhu-console-demo"
out=docs/screens
display=:97
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp & xvfb=$!
trap 'kill $xterm $xvfb 2>/dev/null || true' EXIT
export DISPLAY=$display LANG=C.UTF-8
sleep 1
xterm -b 0 -bw 0 -fa 'Noto Sans Mono CJK SC:pixelsize=32:charwidth=16' -geometry 120x22+0+0 -bg black -fg white -e "$demo" & xterm=$!
sleep 2
# Cell (column, row), 1-based, to the pixel at its centre.
tap() { xdotool mousemove $((($1 - 1) * 16 + 8)) $((($2 - 1) * 48 + 24)) click 1; sleep 0.6; }
shot() { import -window root "$out/$1.png"; }
shot welcome
tap 40 8          # 大字号
shot welcome-large
tap 110 21        # 开始
for key in "89 5" "101 5" "113 5"; do tap $key; done   # 1 2 3 on the keypad
shot pin
for key in "89 8" "101 8" "113 8"; do tap $key; done   # 4 5 6
tap 110 21        # 确认
sleep 0.3
shot verifying
sleep 2
shot records

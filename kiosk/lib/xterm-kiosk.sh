#!/bin/bash
# The kiosk's terminal: xterm with Noto Sans Mono CJK SC at 32 px, no border, filling the screen
# (shared/docs/console.md §1.3). Run inside the X session; the screenshot harness
# (docs/screens/capture.sh) starts the same command under Xvfb.
#
#   kiosk/lib/xterm-kiosk.sh PROGRAM [ARGUMENTS...]
#
# Resources, and why:
# - disallowedFontOps: GetFont   the program may set the font (OSC 50: large mode asks for 40 px)
#                                 but not read it; allowFontOps stays false.
# - disallowedWindowOps: xterm's default list without 9, so the program may maximize the window
#                                 (CSI 9;1 t) after a font change, which fits the grown window back
#                                 to the screen and gives the program SIGWINCH with the new grid.
#                                 Every other window operation (move, resize, report, title) stays off.
# - omitTranslation               no font-size keys (Shift-KP+/-), Ctrl-click menus (they hold a font
#                                 menu too), fullscreen or scroll-lock keys: the size mode belongs to
#                                 the program alone (accessibility.md A31).
set -euo pipefail
pixels=32
cell_width=$((pixels / 2))
cell_height=48
# Without a window manager -maximized does nothing, so the grid comes from the screen size.
read -r width height < <(xdpyinfo | awk '/dimensions:/ { split($2, size, "x"); print size[1], size[2] }')
exec xterm -b 0 -bw 0 -fa "Noto Sans Mono CJK SC:pixelsize=$pixels:charwidth=$cell_width" \
    -geometry "$((width / cell_width))x$((height / cell_height))+0+0" -bg black -fg white \
    -xrm 'XTerm*disallowedFontOps: GetFont' \
    -xrm 'XTerm*disallowedWindowOps: 1,2,3,4,5,6,7,8,11,13,14,18,19,20,21,GetSelection,SetSelection,SetWinLines,SetXprop' \
    -xrm 'XTerm*omitTranslation: fullscreen,popup-menu,shift-fonts,scroll-lock' \
    -e "$@"

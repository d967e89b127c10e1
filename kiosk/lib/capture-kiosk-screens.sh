#!/bin/bash
# Screenshots of every kiosk screen as a citizen sees it: `zizhu-kiosk run` in the kiosk's xterm
# (kiosk/lib/xterm-kiosk.sh: Noto Sans Mono CJK SC at 32 px, 120x22 cells of 16x48 px) under Xvfb
# at 1920x1080, in the world KioskFlowTests uses (pcscd + vpcd + zizhu-cardsim, a private cupsd with
# zizhu-printersim, a seeded hub the kiosk enrolled with: kiosk/lib/kiosk-world.sh). Taps are
# xdotool clicks at pixel positions, keys are real key presses (console.md §4.2); shots are
# ImageMagick `import -window root`.
#
#   kiosk/lib/capture-kiosk-screens.sh [OUTPUT-DIR]     (default docs/screens/kiosk; as root)
#
# Binaries come from $ZIZHU_BIN_DIR, else the debug build. Each shot waits until the kiosk has
# spoken that screen (its speech transcript), so a screen that never comes fails the script with
# its name instead of producing a wrong picture. Tap positions are the layout's cells for the
# 120x22 grid (0-based column, row); if the session's layout changes, a tap misses, the expected
# screen is not spoken, and the script says which tap it was. Look at the pictures before
# committing them (docs/screens/kiosk/README.md lists them).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
out=$(mkdir -p "${1:-docs/screens/kiosk}" && cd "${1:-docs/screens/kiosk}" && pwd)
bin=${ZIZHU_BIN_DIR:-$(swift build --show-bin-path)}
for tool in Xvfb xterm xdotool xdpyinfo import; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install xvfb xterm xdotool x11-utils imagemagick" >&2; exit 3; }
done
[ "$(id -u)" = 0 ] || { echo "run as root: it starts private pcscd and cupsd instances" >&2; exit 1; }

source kiosk/lib/kiosk-world.sh
work=$(mktemp -d /tmp/zizhu-kiosk-screens.XXXXXX)
# cupsd runs the receipt backend as user lp, which must reach it below this folder.
chmod 0755 "$work"
xvfb= xterm=
finish() {
    local status=$?
    [ -n "$xterm" ] && kill "$xterm" 2>/dev/null
    [ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null
    zizhu_world_stop
    if [ "$status" != 0 ]; then
        echo "capture failed; the kiosk's log ends with:" >&2
        grep -v ServiceGroupError "$work/kiosk.log" | tail -n 20 >&2 || true
        echo "(everything the run left is in $work)" >&2
    else
        rm -rf "$work"
    fi
}
trap finish EXIT

echo "starting pcscd + cardsim, cupsd + printersim, the hub (seeded) and enrolling the kiosk" >&2
zizhu_world_start "$work" "$bin" ""

# A display number nobody uses.
display=
for number in $(seq 90 140); do
    [ -e "/tmp/.X11-unix/X$number" ] || [ -e "/tmp/.X$number-lock" ] || { display=:$number; break; }
done
[ -n "$display" ] || { echo "no free X display number" >&2; exit 1; }
Xvfb "$display" -screen 0 1920x1080x24 -nolisten tcp > "$work/xvfb.log" 2>&1 & xvfb=$!
export DISPLAY=$display LANG=C.UTF-8
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done

# Idle after 20 s of no input, then a 35 s countdown: the idle warning is reached within the run.
# ZIZHU_UI_XTERM_FONTS: large mode asks xterm for the 40 px font, as on the kiosk.
kiosk_command=$(printf '%q ' env "${ZIZHU_WORLD_ENV[@]}" ZIZHU_UI_XTERM_FONTS=true \
    ZIZHU_UI_IDLE_SECONDS=20 ZIZHU_UI_IDLE_WARNING_SECONDS=35 "$bin/zizhu-kiosk" run --refresh 1)
kiosk/lib/xterm-kiosk.sh sh -c "exec $kiosk_command 2>>'$work/kiosk.log'" & xterm=$!

transcript=$work/speech.log
spoken_mark=0
# waits until the kiosk speaks a screen whose script contains TEXT (after the last mark).
wait_spoken() {
    local text=$1 what=$2
    for _ in $(seq 600); do
        if [ -f "$transcript" ] && tail -c +"$((spoken_mark + 1))" "$transcript" | grep -q -F -- "$text"; then
            spoken_mark=$(stat -c %s "$transcript")
            # Drawing comes before speaking; the short pause lets xterm paint it and lets the
            # session's tap guard (no taps that arrive with a new screen) pass.
            sleep 0.8
            return 0
        fi
        kill -0 "$xterm" 2>/dev/null || { echo "xterm (or the kiosk in it) exited while waiting for $what" >&2; exit 1; }
        sleep 0.1
    done
    echo "the screen '$what' (spoken: $text) never came" >&2
    exit 1
}
# Taps the centre of cell (column, row), 0-based, in the current grid (16x48 px, large 20x59).
cell_width=16 cell_height=48
tap() { xdotool mousemove $(($1 * cell_width + cell_width / 2)) $(($2 * cell_height + cell_height / 2)) click 1; }
key() { xdotool mousemove 960 540 key "$@"; }
# step ACTION...: does ACTION (a tap or key), and does it again (up to three times) while the
# kiosk speaks no new screen within 8 s. Under load a tap can be dropped: a redraw between press
# and release moves the button (large mode resizes the grid), and the session ignores a tap that
# does not start and end on the same button. A tap that took effect always brings a new screen.
step() {
    local before attempt
    before=$(stat -c %s "$transcript" 2>/dev/null || echo 0)
    for attempt in 1 2 3; do
        "$@"
        for _ in $(seq 80); do
            tail -c +"$((before + 1))" "$transcript" 2>/dev/null | grep -q '^speak:' && return 0
            sleep 0.1
        done
        echo "no new screen after '$*' (attempt $attempt)" >&2
    done
}
# The menu's first page holds the four main services; PIN change, rating and calling staff are
# on its second page (更多业务, the confirm button: Enter; 上一页 is back: Escape).
last_menu() { grep '^speak:' "$transcript" | tail -n 1; }
menu_page_two() {
    if ! last_menu | grep -q '按钮：服务评价'; then
        step key Return
        wait_spoken "按钮：服务评价" "menu, second page"
    fi
}
menu_page_one() {
    if last_menu | grep -q '按钮：服务评价'; then
        step key Escape
        wait_spoken "按钮：打印参保证明" "menu, first page"
    fi
}
shot() {
    import -window root "$out/$1.png"
    echo "$1.png" >&2
}
card() { env "${ZIZHU_WORLD_ENV[@]}" "$bin/zizhuctl" card "$@" >/dev/null; }

wait_spoken "请把社保卡插入读卡器" "attract"
shot attract
step tap 39 9                             # 大字号: xterm switches to 40 px, the grid to 96x18
wait_spoken "大字号（已选）" "attract, large text"
sleep 1
shot attract-large
cell_width=20 cell_height=59
step tap 12 8                             # 标准字号 in the large grid (below the two-line list of services)
wait_spoken "标准字号（已选）" "attract, normal text again"
cell_width=16 cell_height=48
sleep 1

card insert "$work/cards/zhang-san-3.0.json"
wait_spoken "请核对您的信息" "card confirm"
shot card-confirm
step key Return                           # 确认
wait_spoken "请选择要办理的业务" "menu"
shot menu
step tap 12 7                             # 打印参保证明
wait_spoken "请选择险种" "choose type"
shot choose-type
step tap 45 9                             # 全部险种
wait_spoken "请选择证明的时间范围" "choose period"
shot choose-period
step tap 11 5                             # 最近12个月
wait_spoken "请核对要打印的内容" "confirm certificate"
shot certificate-confirm
step key Return                           # 打印
wait_spoken "参保证明已打印" "printed"
shot printed
step tap 111 20                           # 继续办理
wait_spoken "请选择要办理的业务" "menu, after printing"
step tap 36 7                             # 查询参保记录
wait_spoken "我的参保缴费记录" "records"
shot records
step key Escape                           # 返回
wait_spoken "请选择要办理的业务" "menu, after the records"
menu_page_two
step tap 12 7                             # 修改社保卡密码
wait_spoken "请输入社保卡原密码" "PIN pad"
key 1 2 3                                 # three digits entered: the pad shows ＊＊＊＿＿＿
sleep 0.8
shot pin-pad
step key Escape
wait_spoken "请选择要办理的业务" "menu, after the PIN pad"
menu_page_two
step tap 36 7                             # 服务评价
wait_spoken "请您对本次服务进行评价" "rating"
shot rating
step key Escape
wait_spoken "请选择要办理的业务" "menu, after the rating"
menu_page_one
# No input now: after 20 s the warning with its countdown comes over the menu.
wait_spoken "您还在操作吗" "idle warning"
shot idle-warning
tap 60 12                                 # 继续操作
sleep 1
step tap 9 20                             # 结束办理
wait_spoken "请取走您的社保卡" "take card"
shot take-card
card remove
wait_spoken "谢谢使用" "attract, after the card was taken"

# The goodbye notice goes after 8 s (quietly): then the attract screen's layout is the usual one.
sleep 9

# Staff mode: 工作人员专用, the code from zizhuctl operator-code, the menu and the status.
code=$(env "${ZIZHU_WORLD_ENV[@]}" "$bin/zizhuctl" operator-code --init | grep -o -E '^[0-9]{8}')
step tap 39 13                            # 工作人员专用
wait_spoken "请输入8位操作码" "staff code pad"
key "${code:0:1}" "${code:1:1}" "${code:2:1}"   # three digits: the pad shows ＊＊＊＿＿＿＿＿
sleep 0.8
shot staff-code
key "${code:3:1}" "${code:4:1}" "${code:5:1}" "${code:6:1}" "${code:7:1}"
step key Return                           # 确认
wait_spoken "工作人员菜单" "staff menu"
shot staff-menu
step tap 9 5                              # 设备状态
wait_spoken "读卡器：" "staff status"
shot staff-status
step key Escape                           # 返回
wait_spoken "工作人员菜单" "staff menu, after the status"
step tap 9 20                             # 退出
wait_spoken "请把社保卡插入读卡器" "attract, after staff mode"

echo "stopping the hub" >&2
zizhu_world_hub_stop
# The device supervisor checks the hub every second (--refresh 1); the attract screen then marks
# the services that need it, and a certificate says plainly that it needs the network.
sleep 3
card insert "$work/cards/zhang-san-3.0.json"
wait_spoken "请核对您的信息" "card confirm, hub offline"
step key Return
wait_spoken "请选择要办理的业务" "menu, hub offline"
step tap 12 7                             # 打印参保证明
wait_spoken "网络暂时不通" "hub offline"
shot hub-offline
card remove
wait_spoken "社保卡已拔出" "card pulled"
shot card-pulled
echo "screens written to $out" >&2

#!/bin/bash
# Starts a private pcscd whose only reader is a vpcd (virtual card reader) on a port of our choice.
#
#   kiosk/lib/pcscd-env.sh DIR PORT [READER-NAME]
#
# Prints the pcscd PID. Clients reach it with PCSCLITE_CSOCK_NAME=DIR/run/pcscd.comm.
# vpcd always makes two slots: "<name> 00 00" on PORT and "<name> 00 01" on PORT+1, both on all
# interfaces; a card emulator connecting to PORT is a card inserted in the first slot.
#
# pcscd 1.9.9 hard-codes /run/pcscd, so it runs in a private mount namespace with DIR/run bind-mounted
# there: the system's pcscd (if any) and /etc are never touched.
set -euo pipefail
dir=${1:?usage: pcscd-env.sh DIR PORT [READER-NAME]}
port=${2:?usage: pcscd-env.sh DIR PORT [READER-NAME]}
name=${3:-Zizhu Test Reader}
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
command -v pcscd >/dev/null || { echo "pcscd is not installed: apt-get install pcscd" >&2; exit 3; }
[ -e "$driver" ] || { echo "vpcd is not installed: apt-get install vsmartcard-vpcd" >&2; exit 3; }
command -v unshare >/dev/null || { echo "unshare is missing: apt-get install util-linux" >&2; exit 3; }
mkdir -p "$dir/reader.conf.d" "$dir/run" /run/pcscd
rm -f "$dir/run/pcscd.comm" "$dir/run/pcscd.pid"
printf 'FRIENDLYNAME "%s"\nDEVICENAME /dev/null:0x%X\nLIBPATH %s\nCHANNELID 0x%X\n' "$name" "$port" "$driver" "$port" \
    > "$dir/reader.conf.d/vpcd"
# ${PCSCD_FLAGS} lets a developer add -a (APDU logging) while debugging; tests and the demo
# leave it off, because APDUs carry PINs.
unshare -m --propagation private sh -c \
    "mount --bind '$dir/run' /run/pcscd && exec pcscd -f ${PCSCD_FLAGS:-} -c '$dir/reader.conf.d'" \
    > "$dir/pcscd.log" 2>&1 &
pid=$!
echo "$pid" > "$dir/pcscd.pid"
for _ in $(seq 500); do
    [ -S "$dir/run/pcscd.comm" ] && { echo "$pid"; exit 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
done
echo "pcscd did not start; its log says:" >&2
cat "$dir/pcscd.log" >&2
kill "$pid" 2>/dev/null || true
exit 1

#!/bin/bash
# Starts a private cupsd with the kiosk's two queues; nothing under /etc or /var is changed.
#
#   kiosk/lib/cups-env.sh DIR RECEIPT-PRINTER-PORT [ZIZHU-ESCPOS-BACKEND]
#
# Prints the cupsd PID. Clients reach it with CUPS_SERVER=DIR/cups.sock (lp, lpstat, libcups) or
# the kiosk's printer.cups_server setting. Queues:
#   zizhu-receipt  raw, to a network ESC/POS receipt printer on 127.0.0.1:PORT (zizhu-printersim):
#                  through our zizhu-escpos backend (zizhu-escpos://127.0.0.1:PORT) when its
#                  executable is given, which reports the paper sensor to CUPS; else CUPS's stock
#                  socket://127.0.0.1:PORT, which cannot see it.
#   zizhu-a4       cups-pdf, PDFs land in DIR/pdf
# ZIZHU_CUPS_LOGLEVEL=debug2 makes cupsd log each request and response (DIR/log/error_log).
# Recipe and pitfalls: shared/docs/devices.md section 2.
set -euo pipefail
C=${1:?usage: cups-env.sh DIR RECEIPT-PRINTER-PORT}
port=${2:?usage: cups-env.sh DIR RECEIPT-PRINTER-PORT}
escpos_backend=${3:-}
command -v cupsd >/dev/null || { echo "cupsd is not installed: apt-get install cups" >&2; exit 3; }
[ -e /etc/cups/cups-pdf.conf ] || { echo "cups-pdf is not installed: apt-get install printer-driver-cups-pdf" >&2; exit 3; }
mkdir -p "$C"/etc/ppd "$C"/etc/ssl "$C"/spool/tmp "$C"/cache "$C"/state/certs "$C"/log "$C"/pdf "$C"/serverbin/backend
chmod 1777 "$C/pdf"
# Unix socket only: no TCP port, so several private instances never collide.
sed -e '/^Listen localhost:631/d' -e "s|^Listen /run/cups/cups.sock|Listen $C/cups.sock|" \
    -e 's|^Browsing Yes|Browsing No|' -e 's|^Browsing On|Browsing No|' -e 's|^WebInterface Yes|WebInterface No|' \
    -e "s|^LogLevel warn|LogLevel ${ZIZHU_CUPS_LOGLEVEL:-info}|" -e 's|^IdleExitTimeout.*|JobRetryInterval 2|' \
    /etc/cups/cupsd.conf > "$C/etc/cupsd.conf"
cat > "$C/etc/cups-files.conf" <<EOT
ServerRoot $C/etc
ServerBin $C/serverbin
RequestRoot $C/spool
TempDir $C/spool/tmp
CacheDir $C/cache
StateDir $C/state
AccessLog $C/log/access_log
ErrorLog $C/log/error_log
PageLog $C/log/page_log
FileDevice Yes
SystemGroup root lpadmin
User lp
Group lp
EOT
cp /etc/cups/raw.convs /etc/cups/raw.types "$C/etc/"
for d in filter daemon cgi-bin driver monitor notifier; do ln -sfn "/usr/lib/cups/$d" "$C/serverbin/$d"; done
for b in /usr/lib/cups/backend/*; do ln -sfn "$b" "$C/serverbin/backend/"; done
if [ -n "$escpos_backend" ]; then
    # cupsd runs a backend as user lp when it is mode 0755 and owned by root (0700 would run it as
    # root, which it does not need); a copy, so the build folder's permissions do not matter.
    install -o root -g root -m 0755 "$escpos_backend" "$C/serverbin/backend/zizhu-escpos"
    chmod 0755 "$C" "$C/serverbin" "$C/serverbin/backend"
fi
sed -e "s|^Out .*|Out $C/pdf|" -e "s|^#AnonDirName .*|AnonDirName $C/pdf/ANONYMOUS|" \
    -e "s|^#Spool .*|Spool $C/pdfspool|" -e "s|^#Log .*|Log $C/log|" /etc/cups/cups-pdf.conf > "$C/cups-pdf.conf"
# cups-pdf reads only its compiled-in /etc/cups/cups-pdf.conf: bind-mount ours there, privately.
unshare -m --propagation private sh -c \
    "mount --bind '$C/cups-pdf.conf' /etc/cups/cups-pdf.conf && exec cupsd -f -c '$C/etc/cupsd.conf' -s '$C/etc/cups-files.conf'" \
    > "$C/cupsd.stdout" 2>&1 &
pid=$!
echo "$pid" > "$C/cupsd.pid"
export CUPS_SERVER=$C/cups.sock
ready=0
for _ in $(seq 500); do
    # lpstat -r exits 0 even when the scheduler is down: read what it says.
    if lpstat -r 2>/dev/null | grep -q 'is running'; then ready=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
done
if [ "$ready" != 1 ]; then
    echo "cupsd did not start; its logs say:" >&2
    cat "$C/cupsd.stdout" "$C/log/error_log" 2>/dev/null >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
fi
lpadmin -p zizhu-a4 -E -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd \
    -o pdftops-renderer-default=pdftocairo 2>/dev/null
# abort-job: a receipt job that fails is not retried later behind the citizen's back (a
# certificate printed for nobody); the kiosk records it as not printed and offers a reprint.
if [ -n "$escpos_backend" ]; then
    lpadmin -p zizhu-receipt -E -v "zizhu-escpos://127.0.0.1:$port" -o printer-error-policy=abort-job
else
    lpadmin -p zizhu-receipt -E -v "socket://127.0.0.1:$port" -o printer-error-policy=retry-job
fi
echo "$pid"

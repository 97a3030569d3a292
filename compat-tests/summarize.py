#!/usr/bin/env python3
"""Aggregate the flows' JSON-lines results into the summary table and the run's verdict.

usage: summarize.py RESULTS.jsonl EXPECTED_FAILURES CLIENT=EXITCODE...

Fails (exit 1) on: any unexpected failure, any unexpected pass (XPASS), a flow that did not
finish (crash, timeout, setup error), a flow whose classification disagrees with
expected-failures.txt, and (when COMPAT_ALL=1, i.e. every client ran) an expected-failures
line that matched no step (stale entry).
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
from harness import load_expected_failures, match_expected  # noqa: E402


def main():
    results_path, xfail_path = sys.argv[1], sys.argv[2]
    runs = [a.split("=", 1) for a in sys.argv[3:]]
    expected = load_expected_failures(xfail_path)

    records = []
    if os.path.exists(results_path):
        with open(results_path, encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]

    problems = []
    used_lines = set()
    rows = []
    for client, code in runs:
        recs = [r for r in records if r["client"] == client]
        steps = [r for r in recs if r["step"] != "__done__"]
        done = any(r["step"] == "__done__" for r in recs)
        counts = {"pass": 0, "fail": 0, "xfail": 0, "xpass": 0}
        for r in steps:
            counts[r["status"]] += 1
            m = match_expected(expected, "%s:%s" % (client, r["step"]))
            if m:
                used_lines.add(m[0])
            if r["status"] in ("pass", "fail") and m:
                problems.append("%s:%s reported %s but expected-failures line %d matches it"
                                % (client, r["step"], r["status"], m[0]))
            if r["status"] in ("xfail", "xpass") and not m:
                problems.append("%s:%s reported %s but no expected-failures line matches it"
                                % (client, r["step"], r["status"]))
            if r["status"] == "fail":
                problems.append("FAIL  %s:%s -- %s" % (client, r["step"], r["detail"][:400]))
            if r["status"] == "xpass":
                problems.append("XPASS %s:%s -- XPASS: remove from expected failures (line %s)"
                                % (client, r["step"], r.get("xfail_line")))
        finished = done and code in ("0", "1")
        if not finished:
            problems.append("%s: flow did not finish (exit code %s) -- crashed, timed out or "
                            "could not start; see its output above" % (client, code))
        elif (code == "0") != (counts["fail"] + counts["xpass"] == 0):
            problems.append("%s: exit code %s disagrees with its results" % (client, code))
        rows.append((client, counts, "ok" if finished and code == "0" else
                     ("FAILED" if finished else "DID NOT FINISH")))

    # Only a run of every client can tell that a line matches nothing.
    for lineno, pattern, reason in expected if os.environ.get("COMPAT_ALL") else []:
        if lineno not in used_lines:
            problems.append("STALE expected failure: %s line %d (%s) matched no step -- remove it"
                            % (os.path.basename(xfail_path), lineno, pattern))

    width = max([len("client")] + [len(r[0]) for r in rows])
    header = "%-*s  %6s  %6s  %17s  %17s  %s" % (
        width, "client", "passed", "failed", "expected failures", "unexpected passes", "status")
    print()
    print("Client compatibility summary")
    print(header)
    print("-" * len(header))
    total = {"pass": 0, "fail": 0, "xfail": 0, "xpass": 0}
    for client, c, status in rows:
        for k in total:
            total[k] += c[k]
        print("%-*s  %6d  %6d  %17d  %17d  %s"
              % (width, client, c["pass"], c["fail"], c["xfail"], c["xpass"], status))
    print("-" * len(header))
    print("%-*s  %6d  %6d  %17d  %17d"
          % (width, "total", total["pass"], total["fail"], total["xfail"], total["xpass"]))
    print()
    if problems:
        print("Problems:")
        for p in problems:
            print("  " + p)
        print()
    print("expected failures (listed in %s): %d" % (os.path.basename(xfail_path), total["xfail"]))
    failed = total["fail"] + total["xpass"] + sum(1 for p in problems
                                                  if not p.startswith(("FAIL ", "XPASS ")))
    print("compat-tests: %d passed, %d failed" % (total["pass"], failed))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

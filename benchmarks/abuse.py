"""Abuse figures: sandbox escapes, private-address spellings, hostile model replies, fuzzing.

Prints one table:
- sandbox escapes tried and blocked (python and shell tools; as root, also as uid 4242), with
  the control run (sandbox off) showing how many of the same probes get through without it;
- address spellings fetch_url refused, before connecting and at the connection alone, with a
  real loopback server that must receive no request;
- hostile model replies read to their expected outcome, with max and median reading time;
- property-based fuzz examples run through action extraction, with the slowest example.

Run from the repository root: .venv/bin/python benchmarks/abuse.py [--fuzz 2000] [--no-user]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ponder.agents.actions import complete_action_end, extract_actions, final_answer, runaway_end  # noqa: E402
from ponder.tools.builtin import fetch_url as fetch_module  # noqa: E402
from ponder.tools.builtin._netguard import BlockedURL  # noqa: E402
from ponder.tools.builtin.fetch_url import FetchError, fetch  # noqa: E402
from ponder.tools.settings import ToolSettings  # noqa: E402

Row = tuple[str, str, str]


def sandbox_rows(as_user: bool) -> list[Row]:
    from tests.tools.sandbox_escapes import python_for, run_helper

    rows: list[Row] = []
    runs: list[tuple[str, tuple[str, ...]]] = [(f"uid {os.geteuid()}", ())]
    if as_user and os.geteuid() == 0 and shutil.which("setpriv"):
        runs.append(("uid 4242", ("setpriv", "--reuid=4242", "--regid=4242", "--clear-groups", "--")))
    for label, prefix in runs:
        python = python_for(prefix)
        if python is None:
            rows.append((f"sandbox escapes ({label})", "0 tried", "no Python this user can run imports Ponder"))
            continue
        base = Path(tempfile.mkdtemp(prefix="ponder-abuse-"))
        base.chmod(0o755)
        if prefix:
            os.chown(base, 4242, 4242)
        try:
            report = run_helper(base, "sk-planted-" + secrets.token_hex(16), prefix=prefix, python=python)
        finally:
            shutil.rmtree(base, ignore_errors=True)
        boxed, control, bounded = report["sandboxed"], report["control"], report["bounded"]
        assert isinstance(boxed, list) and isinstance(control, list) and isinstance(bounded, list)
        blocked = sum(not o["escaped"] for o in boxed)
        leaked_without = sum(o["escaped"] for o in control)
        held = sum(not o["escaped"] for o in bounded)
        rows.append((f"sandbox escapes ({label})", f"{len(boxed)} tried", f"{blocked} blocked; {leaked_without} get through with the sandbox off"))
        rows.append((f"runaway code ({label})", f"{len(bounded)} tried", f"{held} bounded (fork bombs, memory hog, disk filler)"))
    return rows


def address_rows() -> list[Row]:
    from tests.tools.address_spellings import LOOPBACK_SPELLINGS, OTHER_PRIVATE
    from tests.tools.conftest import Site

    site, v6 = Site(), Site("::1")
    site.page("/", "internal")
    v6.page("/", "internal")
    settings = ToolSettings(fetch_timeout=3)
    spellings = [*LOOPBACK_SPELLINGS, *OTHER_PRIVATE]

    def url(spelling: str) -> str:
        port = v6.port if spelling in ("[::1]", "[::]", "[0:0:0:0:0:0:0:1]") else site.port
        return f"http://{spelling}:{port}/"

    def refused(spelling: str) -> bool:
        try:
            fetch(url(spelling), settings=settings)
        except BlockedURL:
            return True
        except FetchError as exc:  # a URL httpx will not even parse: refused too, nothing sent
            return "InvalidURL" in str(exc)
        return False

    try:
        before = sum(refused(s) for s in spellings)
        with mock.patch.object(fetch_module, "check_url", lambda url, **_: ""):
            at_connect = sum(refused(s) for s in spellings)
        reached = len(site.hits) + len(v6.hits)
    finally:
        site.close()
        v6.close()
    return [
        ("private address spellings", f"{len(spellings)} tried", f"{before} refused ({len(LOOPBACK_SPELLINGS)} reach loopback)"),
        ("  by the connection layer alone", f"{len(spellings)} tried", f"{at_connect} refused; loopback servers got {reached} requests"),
    ]


def hostile_rows() -> list[Row]:
    from tests.agents.hostile_outputs import CASES, TOOLS

    times: list[float] = []
    handled = 0
    for case in CASES:
        started = time.perf_counter()
        found = extract_actions(case.text, TOOLS)
        final_answer(case.text)
        runaway_end(case.text)
        complete_action_end(case.text, TOOLS)
        times.append(time.perf_counter() - started)
        got = "call" if found.calls else "mistake" if found.error else "answer"
        handled += got == case.expect and (not case.calls or tuple(c.name for c in found.calls) == case.calls)
    biggest = max(len(c.text) for c in CASES)
    return [
        (
            "hostile model replies",
            f"{len(CASES)} tried (up to {biggest / 1e6:.1f} MB)",
            f"{handled} handled; read in max {max(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.2f} ms",
        )
    ]


def fuzz_rows(examples: int) -> list[Row]:
    from hypothesis import HealthCheck, given, settings
    from tests.agents.hostile_outputs import TOOLS
    from tests.agents.test_hostile_outputs import NOISE

    slowest = [0.0]
    count = [0]

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(NOISE)
    def one(text: str) -> None:
        started = time.perf_counter()
        found = extract_actions(text, TOOLS)
        assert not (found.calls and found.error)
        complete_action_end(text, TOOLS)
        slowest[0] = max(slowest[0], time.perf_counter() - started)
        count[0] += 1

    one()
    return [("fuzzed replies (hypothesis)", f"{count[0]} run", f"0 failures; slowest {slowest[0] * 1000:.1f} ms")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fuzz", type=int, default=2000, help="fuzz examples to run")
    parser.add_argument("--no-user", action="store_true", help="skip the run as an ordinary user (uid 4242)")
    args = parser.parse_args()
    rows = [*sandbox_rows(not args.no_user), *address_rows(), *hostile_rows(), *fuzz_rows(args.fuzz)]
    width = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"{'what':<{width[0]}}  {'tried':<{width[1]}}  result")
    for what, tried, result in rows:
        print(f"{what:<{width[0]}}  {tried:<{width[1]}}  {result}")


if __name__ == "__main__":
    main()

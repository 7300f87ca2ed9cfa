"""JUnit XML: one ``<testcase>`` per case × repeat, so any CI shows evals like tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ponder.evals.report import Report


def to_junit(report: Report) -> str:
    o = report.overall
    suites = ET.Element("testsuites", name=f"ponder eval {report.name}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=report.name,
        tests=str(len(report.records)),
        failures=str(o.failed),
        errors=str(o.errors),
        skipped=str(o.skipped + o.unscored),
        time=f"{sum(r.seconds for r in report.records):.3f}",
    )
    props = ET.SubElement(suite, "properties")
    cache = report.cache
    for name, value in (
        ("model", report.model),
        ("score", "" if o.score is None else f"{o.score:.4f}"),
        ("suite_digest", report.manifest.get("suite_digest", "")),
        ("runs_live", cache.live),
        ("runs_replayed_from_cache", cache.replayed),
        ("runs_partly_from_cache", cache.partly),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))
    for r in report.records:
        name = r.case if report.manifest.get("repeat", 1) in (None, 1) else r.key
        tc = ET.SubElement(suite, "testcase", classname=f"{report.name}.{r.tags[0] if r.tags else 'case'}", name=name, time=f"{r.seconds:.3f}")
        if r.cached != "no":  # where the run's replies came from (pytest's record_property shape)
            ET.SubElement(ET.SubElement(tc, "properties"), "property", name="cached", value=r.cached)
        if r.status == "fail":
            ET.SubElement(tc, "failure", message=_one_line(r.failure_reason()), type="fail").text = r.failure_reason()
        elif r.status == "unscored":  # neither pass nor fail: the graders could not decide
            ET.SubElement(tc, "skipped", message=_one_line(f"unscored: {r.failure_reason() or 'no grader could decide'}"))
        elif r.status == "error":
            ET.SubElement(tc, "error", message=_one_line(r.error or "error"), type="error").text = r.failure_reason()
        elif r.status == "skipped":
            ET.SubElement(tc, "skipped", message=r.error or "skipped")
        if r.answer is not None:
            ET.SubElement(tc, "system-out").text = r.answer
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _one_line(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"

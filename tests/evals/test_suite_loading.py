"""Suite files: what loads, and errors that name the line and the field."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from ponder.errors import InputError
from ponder.evals.grading import GradeContext, Grader, GradeResult, register_grader
from ponder.evals.loading import load_suite_file
from ponder.evals.sources import load_suite, register_suite_source
from ponder.evals.spec import suite_json_schema
from ponder.evals.suite import Case, Suite
from tests.evals.eval_helpers import ARITHMETIC_SUITE, suite_from

REPO = Path(__file__).resolve().parents[2]


def error_of(text: str, tmp_path: Path) -> str:
    path = tmp_path / "suite.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_suite_file(path)
    return str(err.value).replace(str(path), "suite.yaml")


def test_a_valid_suite_loads_with_tools_limits_and_graders() -> None:
    suite = suite_from(
        """
        name: demo
        tools: [calculator]
        system_prompt: Be brief.
        knowledge: ponder-docs
        limits: {max_steps: 3, run_timeout: 60}
        temperature: 0.2
        seed: 7
        repeat: 2
        cases:
          - id: mul
            input: What is 6 * 7?
            expected: 42
            tags: [math]
            graders:
              - numeric: {tolerance: 0.5}
              - tool_called: calculator
              - exact
        """
    )
    assert suite.name == "demo" and suite.repeat == 2 and suite.agent.seed == 7 and suite.knowledge == "ponder-docs"
    assert [t.name for t in suite.agent.resolve_tools()] == ["calculator"]
    assert suite.agent.limits.max_steps == 3 and suite.agent.limits.run_timeout == 60
    case = suite.cases[0]
    assert [g.kind for g in case.graders] == ["numeric", "tool_called", "exact"]
    assert case.graders[0].tolerance == 0.5  # type: ignore[attr-defined]
    assert case.tags == ("math",)


def test_cases_without_graders_get_the_suites_or_contains_expected() -> None:
    suite = suite_from(
        """
        graders: [{regex: "\\\\d+"}]
        cases:
          - {id: a, input: x}
          - {id: b, input: y, expected: z, graders: [exact]}
        """
    )
    assert [g.kind for g in suite.cases[0].graders] == ["regex"]
    assert [g.kind for g in suite.cases[1].graders] == ["exact"]
    plain = suite_from("cases: [{id: a, input: x, expected: z}]")
    assert [g.kind for g in plain.cases[0].graders] == ["contains"]


def test_unknown_field_names_the_line_and_suggests(tmp_path: Path) -> None:
    message = error_of(
        """
        name: s
        limits:
          max_steps: 3
          max_stepz: 4
        cases:
          - {id: a, input: x, expected: y}
        """,
        tmp_path,
    )
    assert message.startswith("suite.yaml:4: limits.max_stepz: unknown field (did you mean 'max_steps'?)")


def test_wrong_type_deep_in_a_case_names_its_line(tmp_path: Path) -> None:
    message = error_of(
        """
        cases:
          - id: a
            input: x
            expected: y
          - id: b
            input: [not, a, string]
        """,
        tmp_path,
    )
    assert message.startswith("suite.yaml:6: cases[1].input: Input should be a valid string")


def test_a_missing_input_points_at_its_case(tmp_path: Path) -> None:
    message = error_of(
        """
        cases:
          - id: a
            input: x
            expected: y
          - id: b
            expected: y
        """,
        tmp_path,
    )
    assert message.startswith("suite.yaml:5: cases[1].input: this field is required")


def test_unknown_grader_kind_names_its_entry(tmp_path: Path) -> None:
    message = error_of(
        """
        cases:
          - id: a
            input: x
            graders:
              - contains: x
              - exakt: x
        """,
        tmp_path,
    )
    assert message.startswith("suite.yaml:6: cases[0].graders[1]: unknown grader 'exakt' (did you mean 'exact'?)")


def test_bad_grader_option_names_its_line(tmp_path: Path) -> None:
    message = error_of(
        """
        cases:
          - id: a
            input: x
            graders:
              - numeric:
                  value: 3
                  tolerance: wide
        """,
        tmp_path,
    )
    assert message.startswith("suite.yaml:7: cases[0].graders[0].numeric.tolerance: Input should be a valid number")


def test_unknown_tool_and_duplicate_ids_are_refused(tmp_path: Path) -> None:
    tool = error_of("tools: [calculater]\ncases: [{id: a, input: x, expected: y}]\n", tmp_path)
    assert tool.startswith("suite.yaml:1: tools[0]: unknown tool 'calculater' (did you mean 'calculator'?)")
    dup = error_of("cases:\n  - {id: a, input: x, expected: y}\n  - {id: a, input: z, expected: y}\n", tmp_path)
    assert dup.startswith("suite.yaml:3: cases[1].id: case id 'a' is used twice")


def test_a_case_with_nothing_to_grade_is_refused(tmp_path: Path) -> None:
    message = error_of("cases:\n  - id: a\n    input: x\n", tmp_path)
    assert message.startswith("suite.yaml:2: cases[0]: case 'a' has no graders and no 'expected' answer")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    message = error_of("cases:\n  - id: a\n    input: [unclosed\n", tmp_path)
    assert message.startswith("suite.yaml:4: invalid YAML")


def test_the_error_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("cases: 3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_suite_file(path)
    assert "docs/evals.md" in err.value.fix


def test_custom_graders_next_to_the_suite_are_importable(tmp_path: Path) -> None:
    (tmp_path / "my_checks.py").write_text("def short(ctx):\n    return len(ctx.answer) < 10\n", encoding="utf-8")
    suite = suite_from("cases: [{id: a, input: x, graders: [{python: 'my_checks:short'}]}]", base_dir=tmp_path)
    assert suite.cases[0].graders[0].kind == "python"


def test_registered_grader_kinds_work_in_suite_files() -> None:
    class Shouting(Grader):
        kind = "shouting"

        def grade(self, ctx: GradeContext) -> GradeResult:
            return GradeResult.check(ctx.answer.isupper(), "not shouting")

    register_grader("shouting", Shouting)
    suite = suite_from("cases: [{id: a, input: x, graders: [shouting]}]")
    assert isinstance(suite.cases[0].graders[0], Shouting)


def test_suite_sources_answer_prefixed_targets() -> None:
    def loader(name: str) -> Suite:
        return Suite(name=f"gen:{name}", cases=[Case(id="only", input=name, expected=name)])

    register_suite_source("gen", loader)
    suite = load_suite("gen:hello")
    assert suite.name == "gen:hello" and suite.cases[0].input == "hello"


def test_unknown_targets_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_suite("nope.yaml", cwd=tmp_path)
    assert "evals/smoke.yaml" in err.value.fix


def test_digest_changes_with_anything_that_shapes_results() -> None:
    a = suite_from(ARITHMETIC_SUITE)
    b = suite_from(ARITHMETIC_SUITE.replace("expected: 42", "expected: 43"))
    assert a.digest == suite_from(ARITHMETIC_SUITE).digest
    assert a.digest != b.digest


# -- the published schema and the built-in suites ----------------------------------------------
def test_published_schema_is_current() -> None:
    published = json.loads((REPO / "evals" / "schema.json").read_text(encoding="utf-8"))
    assert published == suite_json_schema(), "regenerate with: ponder eval --schema > evals/schema.json"


def test_schema_accepts_the_smoke_suite_and_rejects_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(suite_json_schema())
    smoke = yaml.safe_load((REPO / "evals" / "smoke.yaml").read_text(encoding="utf-8"))
    assert list(validator.iter_errors(smoke)) == []
    smoke["cases"][0]["graders"].append({"exakt": "x"})
    assert list(validator.iter_errors(smoke))


def test_smoke_suite_loads() -> None:
    suite = load_suite_file(REPO / "evals" / "smoke.yaml")
    assert len(suite.cases) >= 40  # a development suite of agentic cases, run in CI on the embedded model
    tags = {t for c in suite.cases for t in c.tags}
    assert {"tools", "multi-step", "word-problem", "files", "no-tools", "refusal", "knowledge", "conversation"} <= tags

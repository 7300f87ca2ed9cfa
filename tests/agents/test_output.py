"""``OutputType``: the types an answer may be declared as, their schemas, and the check of an answer."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict  # pydantic wants this one before Python 3.12

from ponder.agents.output import OutputType, find_json, import_ref
from ponder.errors import ConfigError


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


class Owner(BaseModel):
    name: str
    email: str | None = None


class Car(BaseModel):
    model: str
    colour: Colour
    owner: Owner
    extras: list[str] = []


@dataclass
class Point:
    x: int
    y: int


class Movie(TypedDict):
    title: str
    year: int


def test_a_pydantic_model_validates_into_an_instance() -> None:
    out = OutputType.of(Car)
    assert out is not None
    check = out.check('{"model": "Zoe", "colour": "blue", "owner": {"name": "Ada"}}')
    assert check.ok
    assert check.value == Car(model="Zoe", colour=Colour.BLUE, owner=Owner(name="Ada"))


def test_a_module_level_type_is_declared_by_its_import_reference() -> None:
    out = OutputType.of(Car)
    assert out is not None and out.ref == "tests.agents.test_output:Car"
    assert OutputType.of("tests.agents.test_output:Car").check('{"model": "a", "colour": "red", "owner": {"name": "b"}}').ok  # type: ignore[union-attr]


def test_a_type_that_cannot_be_imported_is_declared_by_its_json_schema() -> None:
    class Local(BaseModel):
        a: int

    out = OutputType.of(Local)
    assert out is not None and out.ref == out.schema
    assert out.check('{"a": 1}').value == Local(a=1), "the live type still validates into instances"


def test_a_dataclass_a_typeddict_a_scalar_and_a_list_all_validate() -> None:
    assert OutputType.of(Point).check('{"x": 1, "y": 2}').value == Point(1, 2)  # type: ignore[union-attr]
    assert OutputType.of(Movie).check('{"title": "Heat", "year": 1995}').value == {"title": "Heat", "year": 1995}  # type: ignore[union-attr]
    assert OutputType.of(int).check("42").value == 42  # type: ignore[union-attr]
    assert OutputType.of(list[Point]).check('[{"x": 1, "y": 2}]').value == [Point(1, 2)]  # type: ignore[union-attr]


def test_a_schema_whose_root_is_not_an_object_is_sent_wrapped_and_read_either_way() -> None:
    out = OutputType.of(list[int])
    assert out is not None and out.wrapped
    assert out.wire_schema["required"] == ["value"]
    assert out.check('{"value": [1, 2]}').value == [1, 2]
    assert out.check("[1, 2]").value == [1, 2]


def test_an_object_schema_is_sent_as_it_is() -> None:
    out = OutputType.of(Car)
    assert out is not None and not out.wrapped and out.wire_schema is out.schema


def test_the_problem_names_each_wrong_field_for_the_model() -> None:
    check = OutputType.of(Car).check('{"model": "Zoe", "colour": "green", "owner": {}}')  # type: ignore[union-attr]
    assert not check.ok and check.value is None
    assert "'colour': Input should be 'red' or 'blue'" in (check.problem or "")
    assert "'owner.name' is required" in (check.problem or "")


def test_an_answer_that_is_not_json_is_a_problem() -> None:
    assert OutputType.of(Car).check("The car is a blue Zoe.").problem == "the answer is not JSON"  # type: ignore[union-attr]


def test_json_in_a_fence_or_after_words_is_found() -> None:
    assert find_json('Here it is:\n```json\n{"a": 1}\n```') == {"a": 1}
    assert find_json('Sure! {"a": [1, 2]} is the answer') == {"a": [1, 2]}
    assert find_json('{"a": "two\nlines"}') == {"a": "two\nlines"}, "a raw newline inside a string is accepted"


def test_a_json_schema_validates_plain_json() -> None:
    out = OutputType.of({"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]})
    assert out is not None
    assert out.check('{"n": 3}').value == {"n": 3}
    assert "'n': 'x' is not of type 'integer'" in (out.check('{"n": "x"}').problem or "")


def test_an_invalid_json_schema_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a valid JSON Schema"):
        OutputType.of({"type": "objekt"})


def test_a_reference_that_cannot_be_imported_names_the_fix() -> None:
    with pytest.raises(ConfigError, match="cannot import the output type 'nowhere.models:Car'") as info:
        OutputType.of("nowhere.models:Car")
    assert "PYTHONPATH" in info.value.fix
    with pytest.raises(ConfigError, match="not a 'module:Type' reference"):
        import_ref("Car")


def test_something_pydantic_cannot_validate_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a type Ponder can validate"):
        OutputType.of(object())


def test_instructions_show_the_schema_without_titles() -> None:
    text = OutputType.of(Car).instructions()  # type: ignore[union-attr]
    assert '"colour": {"$ref": "#/$defs/Colour"}' in text
    assert '"title"' not in text
    assert "only a JSON value" in text


def test_dump_gives_plain_json_data() -> None:
    car = Car(model="Zoe", colour=Colour.RED, owner=Owner(name="Ada"))
    assert OutputType.of(Car).dump(car) == {  # type: ignore[union-attr]
        "model": "Zoe",
        "colour": "red",
        "owner": {"name": "Ada", "email": None},
        "extras": [],
    }

"""A first call whose values nobody gave is questioned once; a call that uses the user's values runs."""

from __future__ import annotations

from llama_index.core.base.llms.types import ChatMessage, MessageRole

from ponder import tool
from ponder.agents.grounding import (
    conversation_text,
    ungrounded_values,
    without_made_up_options,
    written_in_another_script,
)
from tests.agents.test_loop import call, text_agent

TAX = {
    "properties": {
        "annual_income": {"type": "number"},
        "tax_rate": {"type": "number"},
        "filing": {"type": "string", "enum": ["single", "joint"]},
    }
}


def test_values_that_appear_nowhere_are_reported() -> None:
    text = "find the definite integral of f(x)=x^2 from x=1 to x=3."
    made_up = ungrounded_values({"annual_income": 10000, "tax_rate": 0.15}, TAX, text)
    assert made_up == ["10000", "0.15"]


def test_one_value_from_the_request_grounds_the_call() -> None:
    text = "what tax do i pay on an income of 52,000 dollars?"
    assert ungrounded_values({"annual_income": 52000.0, "tax_rate": 0.3}, TAX, text) == []


def test_a_figure_in_words_grounds_its_number() -> None:
    text = "a company with 50 million dollars of dividends and 1.2 billion shares"
    assert ungrounded_values({"annual_income": 50000000, "tax_rate": 0.2}, TAX, text) == []


def test_a_percentage_grounds_its_fraction_and_words_ground_strings() -> None:
    assert ungrounded_values({"annual_income": 900, "tax_rate": 0.03}, TAX, "interest at 3% a year") == []
    schema = {"properties": {"city": {"type": "string"}}}
    assert ungrounded_values({"city": "Lisbon, Portugal"}, schema, "weather in lisbon tomorrow?") == []
    assert ungrounded_values({"city": "BTC"}, schema, "calculate the fibonacci of number 20.") == ["'BTC'"]


def test_choices_flags_and_small_counts_are_not_checked() -> None:
    schema = {"properties": {"filing": {"enum": ["single", "joint"]}, "days": {"type": "integer"}, "ok": {"type": "boolean"}}}
    assert ungrounded_values({"filing": "joint", "days": 0, "ok": True}, schema, "anything") == []


def test_the_conversation_is_what_the_user_system_and_tools_said_not_the_model() -> None:
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="Account 7731."),
        ChatMessage(role=MessageRole.USER, content="Refund ORDER A-1042"),
        ChatMessage(role=MessageRole.ASSISTANT, content="I invented 99999."),
    ]
    text = conversation_text(messages)
    assert "7731" in text and "order a-1042" in text and "99999" not in text


@tool
def calculate_tax(annual_income: float, tax_rate: float) -> str:
    """Income tax owed.

    Args:
        annual_income: yearly income
        tax_rate: the rate, as a fraction
    """
    return f"{annual_income * tax_rate:.2f}"


def test_a_made_up_first_call_is_questioned_and_the_model_may_answer_directly() -> None:
    agent, backend = text_agent(
        [call("calculate_tax", annual_income=10000, tax_rate=0.15), "The integral of x^2 from 1 to 3 is 26/3."],
        [calculate_tax],
    )
    result = agent.run("Find the definite integral of f(x)=x^2 from x=1 to x=3.")
    assert result.answer == "The integral of x^2 from 1 to 3 is 26/3."
    assert [(c.ok, c.error_kind) for c in result.trajectory] == [(False, "ungrounded")]
    assert "are not in my request" in str(backend.requests[1].messages[-1].content)


def test_the_same_call_made_again_runs() -> None:
    made_up = call("calculate_tax", annual_income=10000, tax_rate=0.15)
    agent, _ = text_agent([made_up, made_up, "You owe 1500.00."], [calculate_tax])
    result = agent.run("What is my tax?")
    assert [(c.ok, c.output) for c in result.trajectory][-1] == (True, "1500.00")
    assert result.answer == "You owe 1500.00."


def test_a_call_with_the_users_values_runs_at_once() -> None:
    agent, backend = text_agent([call("calculate_tax", annual_income=52000, tax_rate=0.3), "15600."], [calculate_tax])
    result = agent.run("Tax on 52000 at a 30% rate?")
    assert [(c.ok, c.output) for c in result.trajectory] == [(True, "15600.00")]
    assert len(backend.requests) == 2


WEATHER = {
    "properties": {
        "city": {"type": "string", "description": "the city"},
        "country": {"type": "string", "description": "the country"},
        "unit": {"type": "string", "description": "'celsius' or 'fahrenheit'"},
        "date": {"type": "string", "description": "the day"},
        "days": {"type": "integer"},
        "style": {"type": "string", "enum": ["short", "long"]},
    },
    "required": ["city"],
}


def test_optional_values_nobody_gave_are_left_out_and_the_rest_kept() -> None:
    said = "what's the weather in lisbon over the next 3 days?"
    args = {"city": "Lisbon", "country": "Portugal", "days": 3, "style": "long"}
    kept, dropped = without_made_up_options(args, WEATHER, said)
    assert dropped == ["country"]
    assert kept == {"city": "Lisbon", "days": 3, "style": "long"}, "a required value is never left out"


def test_optional_values_from_the_request_and_dates_it_gives_are_kept() -> None:
    said = "how warm is it in paris, france on march 3rd, in fahrenheit?"
    args = {"city": "Paris", "country": "France", "unit": "fahrenheit", "date": "2026-03-03"}
    kept, dropped = without_made_up_options(args, WEATHER, said)
    assert dropped == [] and kept == args


def test_a_choice_the_documentation_offers_or_a_date_nobody_gave_is_left_out() -> None:
    said = "how warm is it in paris today?"
    kept, dropped = without_made_up_options({"city": "Paris", "unit": "fahrenheit", "date": "2023-04-01"}, WEATHER, said)
    assert dropped == ["unit", "date"] and kept == {"city": "Paris"}


def test_a_words_stem_grounds_it() -> None:
    schema = {"properties": {"city": {"type": "string"}, "instruments": {"type": "array"}}, "required": ["city"]}
    said = "a guitar shop in nashville"
    assert without_made_up_options({"city": "Nashville", "instruments": ["Guitars"]}, schema, said)[1] == []
    assert without_made_up_options({"city": "Nashville", "instruments": ["Drums"]}, schema, said)[1] == ["instruments"]


@tool
def forecast(city: str, country: str = "any") -> str:
    """Weather for a city.

    Args:
        city: the city
        country: the country, when the city's name is ambiguous
    """
    return f"sunny in {city} ({country})"


def test_the_tool_runs_with_its_own_default_instead_of_a_made_up_option() -> None:
    agent, _ = text_agent([call("forecast", city="Lisbon", country="Spain"), "Sunny."], [forecast])
    result = agent.run("Weather in Lisbon?")
    assert [(c.arguments, c.output) for c in result.trajectory] == [({"city": "Lisbon"}, "sunny in Lisbon (any)")]


@tool
def air_quality(location: str, date: str) -> str:
    """Air quality index.

    Args:
        location: the city
        date: the date (month-day-year)
    """
    return f"AQI 42 in {location} on {date}"


def test_a_date_reaches_the_tool_in_the_layout_its_documentation_gives() -> None:
    agent, _ = text_agent([call("air_quality", location="London", date="2022-08-16"), "42."], [air_quality])
    result = agent.run("What is the air quality index in London 2022/08/16?")
    assert [c.output for c in result.trajectory] == ["AQI 42 in London on 08-16-2022"]


def test_a_call_that_copies_nothing_from_the_request_is_left_whole() -> None:
    said = "¿qué tiempo hace en pekín?"
    args = {"city": "Beijing", "country": "China"}
    assert without_made_up_options(args, WEATHER, said) == (args, [])


def test_a_request_in_another_script_is_not_questioned_for_translated_values() -> None:
    assert written_in_another_script("北京明天的天气怎么样？") and written_in_another_script("Какая погода в Москве?")
    assert not written_in_another_script("¿Qué tiempo hará mañana en Córdoba?") and not written_in_another_script("")
    agent, backend = text_agent([call("calculate_tax", annual_income=52000, tax_rate=0.3), "15600."], [calculate_tax])
    result = agent.run("收入五万二千元，税率百分之三十，要交多少税？")
    assert [(c.ok, c.output) for c in result.trajectory] == [(True, "15600.00")]


def test_a_tools_own_example_copied_into_a_call_is_questioned() -> None:
    from ponder.tools.builtin.calculator import calculator

    agent, backend = text_agent([call("calculator", expression="17 * 23"), "I cannot know tomorrow's price."], [calculator])
    result = agent.run("Use the calculator to tell me the exact closing price of Apple stock tomorrow.")
    assert [(c.ok, c.error_kind) for c in result.trajectory] == [(False, "ungrounded")]
    assert result.answer == "I cannot know tomorrow's price."
    agent, _ = text_agent([call("calculator", expression="17 * 23"), "391."], [calculator])
    assert [c.ok for c in agent.run("What is 17 * 23?").trajectory] == [True], "asked for, the same expression runs"


def test_an_expression_from_the_users_own_numbers_is_not_a_copied_example() -> None:
    from ponder.tools.builtin.calculator import calculator

    agent, _ = text_agent([call("calculator", expression="17 * 23"), "391."], [calculator])
    assert [c.ok for c in agent.run("What is 17 times 23?").trajectory] == [True]

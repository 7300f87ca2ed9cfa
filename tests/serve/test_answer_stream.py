"""What a streamed completion shows: the answer only, as early as it can be told apart from a tool call."""

from __future__ import annotations

from ponder.agents import events as ev
from ponder.serve.openai_compat import COMMIT_CHARS, AnswerStream


def feed(stream: AnswerStream, *texts: str) -> str:
    return "".join(stream.feed(ev.TextDelta(step=1, text=t)) for t in texts)


def words(text: str) -> list[str]:
    return [text[i : i + 5] for i in range(0, len(text), 5)]


def test_an_agent_without_tools_streams_from_the_first_words() -> None:
    stream = AnswerStream([])
    stream.feed(ev.StepStarted(step=1))
    shown = feed(stream, *words("Paris is the capital of France, on the Seine."))
    assert shown and "Paris is the capital".startswith(shown[:20])
    rest = stream.feed(ev.Answer(text="Paris is the capital of France, on the Seine."))
    assert shown + rest == "Paris is the capital of France, on the Seine."


def test_a_tool_call_is_never_streamed() -> None:
    stream = AnswerStream(["calculator"])
    stream.feed(ev.StepStarted(step=1))
    call = '<tool_call>{"name": "calculator", "arguments": {"expression": "17*23"}}</tool_call>'
    assert feed(stream, *words(call)) == ""
    stream.feed(ev.StepStarted(step=2))
    assert stream.feed(ev.Answer(text="391")) == "391"


def test_a_thought_before_a_call_stays_back() -> None:
    stream = AnswerStream(["calculator"])
    stream.feed(ev.StepStarted(step=1))
    text = 'I will compute this with the tool.\n```json\n{"name": "calculator", "arguments": {"expression": "1+1"}}\n```'
    assert feed(stream, *words(text)) == ""


def test_a_python_style_call_of_a_known_tool_stays_back() -> None:
    stream = AnswerStream(["calculator"])
    stream.feed(ev.StepStarted(step=1))
    assert feed(stream, *words("Let me work this out for you right now, one moment: calculator(expression='2*3')")) == ""


def test_with_tools_a_long_answer_streams_once_it_reads_as_prose() -> None:
    answer = "The population grew steadily over the decade, " * 4
    stream = AnswerStream(["calculator"])
    stream.feed(ev.StepStarted(step=1))
    early = feed(stream, *words(answer[: COMMIT_CHARS - 10]))
    assert early == ""  # too short to tell from a thought
    shown = early + feed(stream, *words(answer[COMMIT_CHARS - 10 :]))
    assert len(shown) > COMMIT_CHARS
    assert shown + stream.feed(ev.Answer(text=answer.strip())) == answer.strip()


def test_an_answer_prefix_is_not_part_of_the_answer() -> None:
    stream = AnswerStream([])
    stream.feed(ev.StepStarted(step=1))
    shown = feed(stream, "Ans", "wer: ", *words("forty-two is the number you want"))
    assert shown.startswith("forty")
    assert shown + stream.feed(ev.Answer(text="forty-two is the number you want")) == "forty-two is the number you want"


def test_an_answer_the_loop_rewrites_stops_streaming_and_ends_as_rewritten() -> None:
    stream = AnswerStream([])
    stream.feed(ev.StepStarted(step=1))
    shown = feed(stream, *words("The product is \\( 17 \\times 23 = 391 \\), as computed above."))
    assert "\\" not in shown  # nothing from the LaTeX on
    answer = "The product is 17 × 23 = 391, as computed above."
    assert shown + stream.feed(ev.Answer(text=answer)) == answer

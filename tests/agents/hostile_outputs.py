"""A corpus of malformed and hostile model replies, each with the outcome action extraction must reach.

Outcomes: ``call`` (a call is read: the loop runs it or tells the model what is wrong with it),
``answer`` (no call in sight: the text may be the answer), ``mistake`` (a call was attempted but
cannot be read: the model is told, the text is never the answer). Used by
tests/agents/test_hostile_outputs.py and benchmarks/abuse.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TOOLS = ("calculator", "python", "fetch_url", "add")
MB = 1_000_000


@dataclass(frozen=True)
class Hostile:
    id: str
    text: str
    expect: str
    """``call``, ``answer`` or ``mistake``."""
    calls: tuple[str, ...] = ()
    """For ``call``: the tool names read, in order (empty: not checked)."""


def _call(name: str = "calculator", **args: object) -> str:
    return json.dumps({"name": name, "arguments": args or {"expression": "2+2"}})


CALC = _call()
NESTED_10K = "[" * 10_000 + "]" * 10_000
DEEP_ARGS = '{"name": "calculator", "arguments": {"expression": ' + "[" * 10_000 + "1" + "]" * 10_000 + "}}"


def _calls() -> list[Hostile]:
    c = "call"
    return [
        Hostile("tag", f"<tool_call>{CALC}</tool_call>", c, ("calculator",)),
        Hostile("tag unclosed", f"<tool_call>{CALC}", c, ("calculator",)),
        Hostile("tag with fence inside", f"<tool_call>\n```json\n{CALC}\n```\n</tool_call>", c, ("calculator",)),
        Hostile("two tags", f"<tool_call>{CALC}</tool_call>\n<tool_call>{_call('add', a=1, b=2)}</tool_call>", c, ("calculator", "add")),
        Hostile("three tags", "".join(f"<tool_call>{_call(n)}</tool_call>" for n in ("add", "python", "fetch_url")), c, ("add", "python", "fetch_url")),
        Hostile("tag list", f"<tool_call>[{CALC}, {_call('add', a=1, b=2)}]</tool_call>", c, ("calculator", "add")),
        Hostile("tag CRLF", f"<tool_call>\r\n{CALC}\r\n</tool_call>\r\n", c, ("calculator",)),
        Hostile("tag half call repaired", '<tool_call>{"name": "calculator", "arguments": {"expression": "2+', c, ("calculator",)),
        Hostile("tag single quotes", "<tool_call>{'name': 'calculator', 'arguments': {'expression': '2+2'}}</tool_call>", c, ("calculator",)),
        Hostile("tag trailing commas", '<tool_call>{"name": "calculator", "arguments": {"expression": "2+2",},}</tool_call>', c),
        Hostile("tag python literals", "<tool_call>{'name': 'add', 'arguments': {'a': True, 'b': None}}</tool_call>", c, ("add",)),
        Hostile("tag line comments", '<tool_call>{\n// the sum\n"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>', c, ("add",)),
        Hostile("tag block comments", '<tool_call>{/* sum */ "name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>', c, ("add",)),
        Hostile("tag unquoted keys", '<tool_call>{name: "add", arguments: {a: 1, b: 2}}</tool_call>', c, ("add",)),
        Hostile("fence json", f"Sure.\n```json\n{CALC}\n```", c, ("calculator",)),
        Hostile("fence bare", f"```\n{CALC}\n```", c, ("calculator",)),
        Hostile("fence tool_call", f"```tool_call\n{CALC}\n```", c, ("calculator",)),
        Hostile("fence unclosed", f"```json\n{CALC}\n", c, ("calculator",)),
        Hostile("fence list", f"```json\n[{CALC}, {_call('add', a=1, b=2)}]\n```", c, ("calculator", "add")),
        Hostile("fence tool spelling", '```json\n{"tool": "add", "tool_input": {"a": 1, "b": 2}}\n```', c, ("add",)),
        Hostile("call in a bash fence", f"```bash\n{CALC}\n```", c, ("calculator",)),
        Hostile("react", 'Thought: add\nAction: add\nAction Input: {"a": 1, "b": 2}', c, ("add",)),
        Hostile("react blank lines", 'Action: add\n\n\n   \nAction Input: {"a": 1, "b": 2}\n', c, ("add",)),
        Hostile("react fenced input", 'Action: add\nAction Input: ```json\n{"a": 1, "b": 2}\n```', c, ("add",)),
        Hostile("react backticks", 'Action: `add`\nAction Input: {"a": 1, "b": 2}', c, ("add",)),
        Hostile("react single quotes", "Action: add\nAction Input: {'a': 1, 'b': 2}", c, ("add",)),
        Hostile("react unclosed input", 'Action: add\nAction Input: {"a": 1, "b": 2', c, ("add",)),
        Hostile("react then observation", 'Action: add\nAction Input: {"a": 1}\nObservation: 3\nThought: done', c, ("add",)),
        Hostile("bare known tool", f"I will call {CALC} now", c, ("calculator",)),
        Hostile("bare openai wrapper", json.dumps({"type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}), c, ("add",)),
        Hostile("bare arguments string", '{"name": "add", "arguments": "{\\"a\\": 1, \\"b\\": 2}"}', c, ("add",)),
        Hostile("bare unknown tool spelled out", '{"name": "calculater", "arguments": {"expression": "2+2"}}', c, ("calculater",)),
        Hostile("bare in a markdown list", f"Steps:\n- {CALC}\n- then answer", c, ("calculator",)),
        Hostile("bare trailing comma", '{"name": "add", "arguments": {"a": 1, "b": 2,},}', c, ("add",)),
        Hostile("bare with comment", '{"name": "add", // sum\n "arguments": {"a": 1, "b": 2}}', c, ("add",)),
        Hostile("mistral marker", f"[TOOL_CALLS] [{CALC}]", c, ("calculator",)),
        Hostile("python call", 'calculator(expression="2+2")', c, ("calculator",)),
        Hostile("python call in a fence", '```python\ncalculator(expression="2+2")\n```', c, ("calculator",)),
        Hostile("python call inside print", '```python\nprint(calculator(expression="2+2"))\n```', c, ("calculator",)),
        Hostile("python call json literals", "add(a=true, b=null)", c, ("add",)),
        Hostile("python call list argument", "add(a=[1, 2], b={'x': 1})", c, ("add",)),
        Hostile("function tag json", '<function=calculator>{"expression": "2+2"}</function>', c, ("calculator",)),
        Hostile("function tag parameters", "<function=calculator>\n<parameter=expression>\n2+2\n</parameter>\n</function>", c, ("calculator",)),
        Hostile("qwen3 xml in tag", "<tool_call>\n<function=add>\n<parameter=a>1</parameter>\n<parameter=b>2</parameter>\n</function>\n</tool_call>", c, ("add",)),
        Hostile("invoke xml", '<invoke name="calculator"><parameter name="expression">2+2</parameter></invoke>', c, ("calculator",)),
        Hostile("invoke without parameters", '<invoke name="calculator">', c, ("calculator",)),
        Hostile("fullwidth json", "｛＂name＂：＂calculator＂，＂arguments＂：｛＂expression＂：＂2+2＂｝｝", c, ("calculator",)),
        Hostile("curly quotes in tag", "<tool_call>{“name”: “calculator”, “arguments”: {“expression”: “2+2”}}</tool_call>", c, ("calculator",)),
        Hostile("homoglyph tool name", '<tool_call>{"name": "cаlculator", "arguments": {"expression": "1"}}</tool_call>', c, ("cаlculator",)),
        Hostile("zero-width in tool name", '<tool_call>{"name": "calcu\u200blator", "arguments": {}}</tool_call>', c),
        Hostile("RTL override in argument", '<tool_call>{"name": "python", "arguments": {"code": "print(1) \u202e#)2(tnirp"}}</tool_call>', c, ("python",)),
        Hostile("emoji arguments", '<tool_call>{"name": "add", "arguments": {"a": "🙂", "b": "👍🏽"}}</tool_call>', c, ("add",)),
        Hostile("100 KB of code", "<tool_call>" + json.dumps({"name": "python", "arguments": {"code": "x = 1\n" * 16_000}}) + "</tool_call>", c, ("python",)),
        Hostile("1 MB digit string argument", "<tool_call>" + _call("python", code="print(" + "1" * MB + ")") + "</tool_call>", c, ("python",)),
        Hostile("hallucinated observation", f"<tool_call>{CALC}</tool_call>\nObservation: 4\nThe answer is 4.", c, ("calculator",)),
        Hostile("fences in the argument", _call("python", code="s = '```'\nprint(s)"), c, ("python",)),
        Hostile("nested arguments 20 deep", _call("python", code="x", extra=json.loads("[" * 20 + "]" * 20)), c, ("python",)),
        Hostile("name with spaces", '<tool_call>{"name": "  add  ", "arguments": {"a": 1}}</tool_call>', c, ("add",)),
        Hostile("huge float", '<tool_call>{"name": "add", "arguments": {"a": 1e308, "b": -1e999}}</tool_call>', c, ("add",)),
        Hostile("call after 500 code fences", "```js\nx()\n```\n" * 500 + f"<tool_call>{CALC}</tool_call>", c, ("calculator",)),
    ]


def _answers() -> list[Hostile]:
    a = "answer"
    return [
        Hostile("prose", "The sum is 4.", a),
        Hostile("empty", "", a),
        Hostile("whitespace", " \n\t " * 1000, a),
        Hostile("1 MB of digits", "1" * MB, a),
        Hostile("1 MB of newlines", "\n" * MB, a),
        Hostile("10k nested lists", NESTED_10K, a),
        Hostile("100k open parens", "(" * 100_000, a),
        Hostile("1 MB of brace pairs", "{}" * (MB // 2), a),
        Hostile("json data answer", 'Here is your config: {"name": "server", "port": 80}', a),
        Hostile("json list answer", "[1, 2, 3, 4]", a),
        Hostile("named but no arguments key", '{"name": "Alice", "age": 3}', a),
        Hostile("python code block", "```python\ndef area(r):\n    return 3.14 * r * r\n```", a),
        Hostile("json data block", '```json\n{"users": [{"id": 1}, {"id": 2}]}\n```', a),
        Hostile("plain-word mention", "I cannot use the calculator for this.", a),
        Hostile("final answer", "Thought: I know.\nFinal Answer: 42", a),
        Hostile("markdown table", "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 5000, a),
        Hostile("runaway words", "Sure. " + "the " * 12_500, a),
        Hostile("rule of equals", "=" * 100_000, a),
        Hostile("unicode soup", ("héllo 🌍 שָׁלוֹם \u202e مرحبا \u0301\u0301 漢字 " * 2000), a),
        Hostile("control characters", "".join(chr(i) for i in range(32)) * 1000, a),
        Hostile("html page", "<html><body>" + "<div><p>text</p></div>" * 3000 + "</body></html>", a),
        Hostile("empty fences", "```\n```\n" * 10_000, a),
        Hostile("quote soup", "\"'" * 50_000, a),
        Hostile("backslashes", "\\" * 100_000, a),
        Hostile("lone surrogate", "answer \ud800 here", a),
        Hostile("positional call mention", "You could compute add(1, 2) yourself.", a),
        Hostile("function definition", "```python\ndef add(a, b):\n    return a + b\n```", a),
        Hostile("action word in prose", "The Action: movie was great. Final answer: yes", a),
        Hostile("prose with braces", "Use {curly} and [square] brackets {like} [this]. " * 2000, a),
        Hostile("apostrophes and braces", "It's {'fine'}, isn't it? " * 3000, a),
        Hostile("fullwidth prose", "全角（かっこ）と「かぎ」：テスト，です。" * 500, a),
        Hostile("curly quoted prose", "She said “hello” and ‘goodbye’. " * 2000, a),
        Hostile("tool name without call", "The calculator tool is available." * 1000, a),
        Hostile("half words", "Act" + "ion" * 10_000, a),
    ]


def _mistakes() -> list[Hostile]:
    m = "mistake"
    return [
        Hostile("tag not json", "<tool_call>this is not json at all</tool_call>", m),
        Hostile("tag alone", "<tool_call>", m),
        Hostile("tag 1 MB of digits", "<tool_call>" + "1" * MB + "</tool_call>", m),
        Hostile("tag 1 MB of garbage", "<tool_call>{a:b," * (MB // 16) + "</tool_call>", m),
        Hostile("tag 10k nested", "<tool_call>" + NESTED_10K + "</tool_call>", m),
        Hostile("tag deep arguments", f"<tool_call>{DEEP_ARGS}</tool_call>", m),
        Hostile("tag second broken", f"<tool_call>{CALC}</tool_call><tool_call>oops</tool_call>", m),
        Hostile("tag spaces", "<tool_call>" + " " * MB, m),
        Hostile("bare deep arguments", DEEP_ARGS, m),
        Hostile("bare 10k nested objects", "".join(f'{{"k{i}": ' for i in range(10_000)), m),
        Hostile("bare half call", '{"name": "calculator", "arguments": {"expression": "2+2"', m),
        Hostile("bare half call unknown tool", '{"name": "calculater", "arguments": {"expression": "2+2"', m),
        Hostile("bare half call then prose", '{"name": "add", "arguments": {"a": 1,\nI am not sure.', m),
        Hostile("bare 500k brace-quotes", '{"' * 500_000, m),
        Hostile("python call unclosed", 'calculator(expression="2+2"', m),
        Hostile("python call expression", "calculator(expression=2+2)", m),
        Hostile("python call variables", "add(a=x, b=y)", m),
        Hostile("python call kwargs", "add(**{'a': 1, 'b': 2})", m),
        Hostile("python call 100 deep", "calculator(expression=" + "(" * 100 + "1" + ")" * 100 + ")", m),
        Hostile("python call syntax error", "add(a=1, b=)", m),
        Hostile("python call 10k-digit int", "add(a=" + "9" * 10_000 + ", b=1)", m),
        Hostile("action without input", "Action: calculator", m),
        Hostile("action input not json", "Action: calculator\nAction Input: two plus two", m),
        Hostile("action input a list", "Action: add\nAction Input: [1, 2]", m),
        Hostile("action runaway whitespace", "Action: calculator\n" + "\n" * MB, m),
        Hostile("fence broken call", '```json\n{"name": 5, "arguments": }\n```', m),
        Hostile("function tag garbage", "<function=calculator>two plus two</function>", m),
        Hostile("python tag", '<|python_tag|>calculator.call(expression="2+2")', m),
        Hostile("mistral marker garbage", "[TOOL_CALLS] not a call", m),
        Hostile("qwen tag in prose", "I'll use <|tool_call|> now.", m),
    ]


CASES: list[Hostile] = _calls() + _answers() + _mistakes()

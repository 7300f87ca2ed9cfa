"""The LLM judge: a model grades the answer against a rubric, robustly enough for small local judges.

The judge is asked for one constrained word (PASS or FAIL) and generation stops as soon as it
has written one. A reply that holds no clear verdict is re-asked; if it stays unreadable the
grade is *unscored* (neither pass nor fail), because a judge that cannot answer says nothing
about the agent.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import Field

from ponder.backends.base import Backend, ModelReply, ModelRequest
from ponder.evals.grading import GradeContext, Grader, GradeResult

if TYPE_CHECKING:
    from llama_index.core.base.llms.types import ChatMessage

_WORD = re.compile(r"\b(PASS(?:ED|ES)?|FAIL(?:ED|S|URE)?)\b", re.IGNORECASE)
_VERDICT_LINE = re.compile(r"verdict\s*[:=]?\s*\**\s*(PASS|FAIL)", re.IGNORECASE)
_NEGATION = re.compile(r"\b(not|no|never|doesn't|does not|isn't|cannot|can't)\b", re.IGNORECASE)


def load_prompt(name: str) -> str:
    """A prompt file of ``ponder/prompts``; a user override folder wins (``PONDER_PROMPTS_DIR``)."""
    from ponder import prompts

    return prompts.load(name)


def parse_verdict(text: str) -> bool | None:
    """PASS -> True, FAIL -> False, anything unclear -> None."""
    cleaned = re.sub(r"[*_`#>\"'.,;:!()]", " ", text).strip()
    if not cleaned:
        return None
    line = _VERDICT_LINE.search(text)
    if line:
        return line.group(1).upper() == "PASS"
    words = {m.group(1).upper()[:4] for m in _WORD.finditer(cleaned)}
    if len(words) != 1:
        return None  # no verdict, or both words: ambiguous, ask again
    verdict = words.pop() == "PASS"
    if _WORD.fullmatch(cleaned.split()[0]):
        return verdict  # the reply starts with its verdict
    return None if _NEGATION.search(text) else verdict


def ask(backend: Backend, messages: list[ChatMessage], max_tokens: int) -> str:
    def stop_when(text: str) -> int | None:
        match = _WORD.search(text)
        return match.end() if match and parse_verdict(text[: match.end()]) is not None else None

    request = ModelRequest(messages=messages, max_tokens=max_tokens, temperature=0.0, stop_when=stop_when)
    text = ""
    for item in backend.stream(request):
        if isinstance(item, ModelReply):
            return item.text or text
        text += item
    return text


class LlmJudgeGrader(Grader):
    """A judge model reads the question, the answer and the rubric and says PASS or FAIL."""

    kind = "llm_judge"
    shorthand = "rubric"
    rubric: str
    model: str | None = Field(None, description="judge model spec; default: --judge-model, else the suite's judge_model, else the model under test")
    attempts: int = Field(2, ge=1, le=5, description="asks before the verdict counts as unreadable (unscored)")
    max_tokens: int = Field(16, ge=1)

    def grade(self, ctx: GradeContext) -> GradeResult:
        from llama_index.core.base.llms.types import ChatMessage, MessageRole

        if ctx.judge is None:
            raise RuntimeError("llm_judge: no judge model is available to this run")
        backend = ctx.judge(self.model)
        prompt = load_prompt("eval_judge").format(
            question=ctx.case.input,
            expected="" if ctx.expected is None else str(ctx.expected),
            answer=ctx.answer or "(no answer)",
            rubric=self.rubric,
        )
        messages = [ChatMessage(role=MessageRole.USER, content=prompt)]
        reply = ""
        for _ in range(self.attempts):
            reply = ask(backend, messages, self.max_tokens)
            verdict = parse_verdict(reply)
            if verdict is not None:
                return GradeResult(verdict, reason=f"judge said {reply.strip()[:80]!r}")
            messages += [
                ChatMessage(role=MessageRole.ASSISTANT, content=reply),
                ChatMessage(role=MessageRole.USER, content=load_prompt("eval_judge_reask")),
            ]
        return GradeResult.unscored(f"judge gave no readable verdict in {self.attempts} attempts (last: {reply.strip()[:80]!r})")


GRADERS = (LlmJudgeGrader,)

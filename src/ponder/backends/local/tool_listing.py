"""Tool descriptions in fewer prompt tokens: a signature line per tool, a line per parameter.

A GGUF's chat template lists the tools by writing each one's OpenAI schema with ``tojson``. Half
of those tokens are JSON structure (``"type": "object", "properties": {``, a ``"description"`` key
per parameter), and on a CPU that reads about 20 prompt tokens/s a list of four tools costs
seconds on every new conversation. ``Tool.describe`` writes the same facts (name, description, each
parameter's type, enum values, default, whether it is optional, its description) as text the
model reads like a docstring, in about 30% fewer tokens. Calls are still written and parsed as JSON.

It is opt-in (``[local] tool_listing = "signature"``): on BFCL's single-call cases it made the 1.5B
model both faster and more accurate, but on Ponder's smoke eval it lost two multi-step tasks that
the JSON listing passes (see docs/loop.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    from ponder.tools.base import Tool

ToolListing = Literal["json", "signature"]
TOOL_LISTINGS: tuple[str, ...] = get_args(ToolListing)


class ListedTool(dict[str, Any]):
    """A tool's OpenAI schema (what a template may read field by field) that ``tojson`` writes as ``Tool.describe``."""

    def __init__(self, tool: Tool) -> None:
        super().__init__(tool.openai_schema())
        self.text = tool.describe()


def listing_formatter(template: str, *, eos_token: str) -> Any:
    """llama-cpp-python's Jinja2 chat formatter for ``template``, with a ``tojson`` that writes a
    ``ListedTool`` as its description and everything else (call arguments, plain schemas) as JSON."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    class ListingFormatter(Jinja2ChatFormatter):
        @staticmethod
        def tojson(
            x: Any,
            ensure_ascii: bool = False,
            indent: int | None = None,
            separators: tuple[str, str] | None = None,
            sort_keys: bool = False,
        ) -> str:
            if isinstance(x, ListedTool):
                return x.text
            return Jinja2ChatFormatter.tojson(x, ensure_ascii, indent, separators, sort_keys)

    return ListingFormatter(template=template, eos_token=eos_token, bos_token="", add_generation_prompt=True)

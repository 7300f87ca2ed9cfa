"""Attribute names of the OpenTelemetry GenAI semantic conventions that Ponder's spans carry.

Written out (not imported from ``opentelemetry-semantic-conventions``, whose GenAI names live in a
private ``_incubating`` module) so a renamed constant there cannot break Ponder; the values are
the conventions' own strings.
"""

from __future__ import annotations

OPERATION = "gen_ai.operation.name"
PROVIDER = "gen_ai.provider.name"
SYSTEM = "gen_ai.system"
"""The older name of ``gen_ai.provider.name``: backends that predate the rename read this one."""
REQUEST_MODEL = "gen_ai.request.model"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_SEED = "gen_ai.request.seed"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
AGENT_NAME = "gen_ai.agent.name"
USAGE_INPUT = "gen_ai.usage.input_tokens"
USAGE_OUTPUT = "gen_ai.usage.output_tokens"
USAGE_CACHE_READ = "gen_ai.usage.cache_read.input_tokens"
FINISH_REASONS = "gen_ai.response.finish_reasons"
TOOL_NAME = "gen_ai.tool.name"
TOOL_CALL_ID = "gen_ai.tool.call.id"
TOOL_TYPE = "gen_ai.tool.type"
TOOL_ARGUMENTS = "gen_ai.tool.call.arguments"
TOOL_RESULT = "gen_ai.tool.call.result"
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
ERROR_TYPE = "error.type"

INVOKE_AGENT = "invoke_agent"
CHAT = "chat"
EXECUTE_TOOL = "execute_tool"

PROVIDERS = {"openai": "openai", "ollama": "ollama", "local": "llama.cpp", "scripted": "ponder.scripted"}
"""Ponder's backend prefixes as provider names (the conventions list ``openai``; the others are custom)."""


def split_model(spec: str) -> tuple[str, str]:
    """``openai:gpt-4o-mini`` -> (``openai``, ``gpt-4o-mini``); an unknown prefix is kept as the provider."""
    prefix, sep, model = spec.partition(":")
    if not sep:
        return "_OTHER", spec
    return PROVIDERS.get(prefix, prefix), model

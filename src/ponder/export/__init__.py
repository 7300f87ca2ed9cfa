"""Data out of Ponder: fine-tuning files from eval records, batch results and chat sessions.

    from ponder.export import export_finetune, embedded_model_template

    report = export_finetune([".ponder/evals/smoke.jsonl"], Path("data"), fmt="trl", passing_only=True,
                             template=embedded_model_template())
"""

from ponder.export.checks import RecordInvalid, check_openai_types, check_template
from ponder.export.conversation import Conversation
from ponder.export.finetune import ExportReport, export_finetune, split
from ponder.export.formats import to_openai, to_trl
from ponder.export.sources import read_sources
from ponder.export.template import ChatTemplate, embedded_model_template

__all__ = [
    "ChatTemplate",
    "Conversation",
    "ExportReport",
    "RecordInvalid",
    "check_openai_types",
    "check_template",
    "embedded_model_template",
    "export_finetune",
    "read_sources",
    "split",
    "to_openai",
    "to_trl",
]

"""``ponder export finetune``: training files from eval logs, batch results and chat sessions.

    ponder export finetune .ponder/evals/smoke.jsonl --passing-only -o data/
    ponder export finetune tasks.results.jsonl session:refactor-notes --format trl --max-steps 4
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    fine = sub.add_parser("finetune", help="chat fine-tuning data (OpenAI or TRL format) from what the agent did")
    fine.add_argument("sources", nargs="+", help="eval logs (.ponder/evals/*.jsonl), *.results.jsonl, session files or session:NAME")
    fine.add_argument("-o", "--out", type=Path, default=None, help="output folder (default: .ponder/finetune/<format>)")
    fine.add_argument("--format", choices=["openai", "trl"], default="openai", help="openai (default) or trl (a tools column)")
    fine.add_argument("--passing-only", action="store_true", help="keep only passing eval cases and answered runs")
    fine.add_argument("--max-steps", type=int, help="drop runs that took more steps than this")
    fine.add_argument("--validation", type=float, default=0.1, help="fraction held out in validation.jsonl (default 0.1; 0: none)")
    fine.add_argument("--seed", type=int, default=0, help="seed of the train/validation split (default 0)")
    fine.add_argument("--tools", help="comma-separated tools offered, where a source does not record them")
    fine.add_argument("--system", help="the system prompt to write (default: the recorded one, else Ponder's)")
    check = fine.add_mutually_exclusive_group()
    check.add_argument("--template", type=Path, help="a GGUF whose chat template every record must render through (default: the embedded model's)")
    check.add_argument("--no-template-check", action="store_true", help="skip the chat-template check (the openai-types check still runs)")


def handle(args: argparse.Namespace) -> int:
    from ponder.export.finetune import export_finetune
    from ponder.export.template import ChatTemplate, embedded_model_template

    if args.no_template_check:
        template = None
    elif args.template:
        from ponder.backends.local.files import check_gguf

        template = ChatTemplate.from_gguf(check_gguf(args.template))
    else:
        template = embedded_model_template()
    out = args.out or Path(".ponder") / "finetune" / args.format
    report = export_finetune(
        args.sources,
        out,
        fmt=args.format,
        passing_only=args.passing_only,
        max_steps=args.max_steps,
        validation=args.validation,
        seed=args.seed,
        template=template,
        tools=[t.strip() for t in args.tools.split(",") if t.strip()] if args.tools else None,
        system_prompt=args.system,
    )
    for problem in report.problems:
        print(f"warning: dropped {problem}", file=sys.stderr)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(report.dropped.items())) or "none"
    checked = f"openai types and the chat template of {Path(report.template).name}" if report.template else "openai types"
    print(f"read {report.read} records; dropped {dropped}; checked against {checked}")
    for path, count in zip(report.files, (report.train, report.validation), strict=False):
        print(f"wrote {count} records to {path}")
    return 0 if report.train + report.validation else 1

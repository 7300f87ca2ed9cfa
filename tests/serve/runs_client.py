"""Reading the native run API's event streams in tests."""

from __future__ import annotations

import json
from typing import Any

import httpx


def events(url: str, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """POST and read the SSE stream to its end: each event's data (which carries its ``type``)."""
    found: list[dict[str, Any]] = []
    kinds: list[str] = []
    with httpx.stream("POST", f"{url}{path}", json=body, headers=headers, timeout=60) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("event: "):
                kinds.append(line[7:])
            elif line.startswith("data: "):
                found.append(json.loads(line[6:]))
    assert kinds == [e.get("type", "error") for e in found]
    return found


def types(found: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in found]

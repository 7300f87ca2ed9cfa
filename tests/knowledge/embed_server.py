"""A loopback embedding server speaking both Ollama's ``POST /api/embed`` and OpenAI's ``POST /v1/embeddings``.

The vectors are real, if simple: a hashed bag of words (lower-cased, a trailing "s" dropped),
L2-normalised. Texts that share words are near, texts that do not are orthogonal, so vector
and hybrid retrieval can be checked for what they find, not only for running.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import zlib
from typing import Any

from tests.fakes.server import Exchange, FakeServer

DIMENSIONS = 256
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "of", "to", "and", "is", "in", "it", "for", "what", "how", "do", "i", "does", "with", "on"}


def embed(text: str) -> list[float]:
    vector = [0.0] * DIMENSIONS
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        word = word[:-1] if len(word) > 3 and word.endswith("s") else word
        vector[zlib.crc32(word.encode()) % DIMENSIONS] += 1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


class FakeEmbeddingServer(FakeServer):
    def __init__(self, *, models: tuple[str, ...] = ("nomic-embed-text", "text-embedding-3-small")) -> None:
        super().__init__()
        self.models = models
        self.texts: list[str] = []
        """Every text embedded so far, in order (documents and queries alike)."""

    def handle(self, method: str, path: str, body: Any, exchange: Exchange) -> None:
        if method == "POST" and path == "/api/embed":
            return self._ollama(body, exchange)
        if method == "POST" and path == "/v1/embeddings":
            return self._openai(body, exchange)
        exchange.text(404, "404 page not found")

    def _inputs(self, body: Any) -> list[str]:
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else list(raw)
        self.texts.extend(texts)
        return texts

    def _known(self, name: str) -> bool:
        return name.split(":")[0] in self.models

    def _ollama(self, body: Any, exchange: Exchange) -> None:
        if not self._known(str(body.get("model"))):
            return exchange.json(404, {"error": f"model \"{body.get('model')}\" not found, try pulling it first"})
        vectors = [embed(t) for t in self._inputs(body)]
        exchange.json(200, {"model": body["model"], "embeddings": vectors, "total_duration": 1000, "prompt_eval_count": 3})

    def _openai(self, body: Any, exchange: Exchange) -> None:
        if not self._known(str(body.get("model"))):
            return exchange.json(404, {"error": {"message": f"The model `{body.get('model')}` does not exist", "type": "invalid_request_error", "code": "model_not_found"}})
        texts = self._inputs(body)
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = embed(text)
            encoded: Any = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode() if as_base64 else vector
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(len(t.split()) for t in texts)
        exchange.json(200, {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})

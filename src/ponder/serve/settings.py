"""How a server is bound, bounded and secured: one ``ServeSettings``, from flags or from Python."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ponder.errors import ConfigError

API_KEY_ENV = "PONDER_SERVE_API_KEY"


class ServeSettings(BaseModel):
    """Everything ``ponder serve`` decides besides the agents it serves."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    api_key: SecretStr | None = Field(None, description="required as 'Authorization: Bearer <key>' when set")
    max_body_bytes: int = Field(1_000_000, ge=1024, description="largest request body")
    max_messages: int = Field(200, ge=1, description="most messages in one conversation")
    max_message_chars: int = Field(32_000, ge=1, description="longest message")
    concurrency: int = Field(8, ge=1, description="runs at once per remote-model agent (the embedded model runs one)")
    queue_size: int = Field(16, ge=0, description="requests waiting per agent before 429")
    run_timeout: float = Field(300.0, gt=0, description="seconds a run may take (caps the agent's own limit)")
    shutdown_grace: float = Field(10.0, ge=0, description="seconds in-flight runs get to finish on shutdown")
    state_dir: Path = Field(Path(".ponder") / "serve", description="where paused and finished runs are kept")
    cors_origins: list[str] = Field(default_factory=list, description="browser origins allowed; none: CORS off")
    recent_runs: int = Field(1000, ge=0, description="chat-completion results kept in memory for GET /v1/runs/{id}")

    def check(self) -> None:
        """Refuse to listen beyond loopback without a key."""
        if not is_loopback(self.host) and self.api_key is None:
            raise ConfigError(
                f"serving on {self.host} needs an API key: anyone who can reach it could run the agent",
                fix=f"set {API_KEY_ENV} (or pass --api-key), or bind 127.0.0.1",
            )
        if self.api_key is not None and len(self.api_key.get_secret_value()) < 16:
            raise ConfigError("the API key is shorter than 16 characters", fix="use a long random key, e.g. `openssl rand -hex 24`")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

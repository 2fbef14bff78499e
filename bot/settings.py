"""The bot's settings, read once in ``main()`` from the environment and an optional ``.env`` file.

Nothing reads the environment at import time, so tests build a :class:`Settings` from a plain dict.
Bad values fail at start-up with a message that names the variable, not deep inside a handler.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from db.engine import DEFAULT_DATABASE_URL
from movierec.settings import DEFAULT_ARTIFACTS_DIR, DataSettings, SettingsError, environment_values

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_WEBHOOK_PORT = 8443
DEFAULT_TELEGRAM_RATE_LIMIT = 30.0
"""Telegram's overall limit of outgoing messages per second for one bot (shared by all its processes)."""
# Telegram's rule for the webhook secret token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with (see ``.env.example`` for each variable)."""

    telegram_bot_token: str | None = field(default=None, repr=False)  # never printed, never logged
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path | None = None
    artifacts_dir: Path = DEFAULT_ARTIFACTS_DIR
    admin_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_port: int = DEFAULT_WEBHOOK_PORT
    webhook_listen: str = "0.0.0.0"
    webhook_secret: str | None = field(default=None, repr=False)
    telegram_rate_limit: float = DEFAULT_TELEGRAM_RATE_LIMIT

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None,
                         env_file: Path | None = Path(".env")) -> Settings:
        """Settings from ``environ`` (default ``os.environ``), falling back to ``env_file`` values.

        Real environment variables win over the file, so a deployment can override a checked-out
        ``.env`` without editing it.
        """
        values = environment_values(environ, env_file)
        data = DataSettings.from_values(values)
        api_url = values.get("TELEGRAM_API_URL", DEFAULT_TELEGRAM_API_URL).rstrip("/")
        if not re.match(r"https?://[^/\s]+", api_url):
            raise SettingsError(f"TELEGRAM_API_URL must be an http(s) URL, got {api_url!r}")
        return cls(
            telegram_bot_token=values.get("TELEGRAM_BOT_TOKEN"),
            telegram_api_url=api_url,
            database_url=values.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            data_dir=data.data_dir,
            artifacts_dir=data.artifacts_dir,
            admin_ids=parse_admin_ids(values.get("BOT_ADMIN_IDS", "")),
            log_level=data.log_level,
            webhook_url=values.get("WEBHOOK_URL"),
            webhook_port=_port(values.get("WEBHOOK_PORT")),
            webhook_listen=values.get("WEBHOOK_LISTEN", "0.0.0.0"),
            webhook_secret=values.get("WEBHOOK_SECRET"),
            telegram_rate_limit=_rate_limit(values.get("TELEGRAM_RATE_LIMIT")),
        )

    def check_webhook(self) -> None:
        """Webhook mode needs an https URL and a secret token Telegram will send with every update."""
        if not self.webhook_url or not self.webhook_url.startswith("https://"):
            raise SettingsError(f"--webhook needs WEBHOOK_URL, the public https:// address, got {self.webhook_url!r}")
        if not self.webhook_secret or not _SECRET_TOKEN.fullmatch(self.webhook_secret):
            raise SettingsError("--webhook needs WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -")


def parse_admin_ids(text: str) -> frozenset[int]:
    """``"123, 456"`` -> {123, 456}; anything that is not a whole number is an error, not ignored."""
    ids = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?[0-9]+", part):
            raise SettingsError(f"BOT_ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def _port(text: str | None) -> int:
    if text is None:
        return DEFAULT_WEBHOOK_PORT
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise SettingsError(f"WEBHOOK_PORT must be a port number 1-65535, got {text!r}")
    return int(text)


def _rate_limit(text: str | None) -> float:
    """Messages per second this process may send; N replicas of one bot share Telegram's limit (30/N each).

    At least 1: the limiter (aiolimiter) refuses to acquire more than its per-second capacity, so
    below 1 message per second every send would fail instead of being slowed down.
    """
    if text is None:
        return DEFAULT_TELEGRAM_RATE_LIMIT
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not math.isfinite(rate) or rate < 1:
        raise SettingsError(f"TELEGRAM_RATE_LIMIT must be a number of messages per second, at least 1 "
                            f"(30 for one process, 30/N for each of N replicas), got {text!r}")
    return rate

"""Logging set-up that keeps secrets out of every log line.

python-telegram-bot puts the bot token into some exception messages (``InvalidToken: The token `…` was
rejected by the server``) and every Bot API URL contains it, so filtering our own log calls is not
enough: the formatter itself replaces the secrets in the finished line, tracebacks included.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[redacted]"


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each secret with :data:`REDACTED` in the formatted record."""

    def __init__(self, secrets: Iterable[str | None], fmt: str = LOG_FORMAT) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by :data:`REDACTED`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def configure_logging(level: str, secrets: Iterable[str | None]) -> None:
    """Root logging at ``level`` on stderr, with ``secrets`` redacted from every line."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    formatter = RedactingFormatter(secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs request URLs, which contain the token

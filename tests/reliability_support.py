"""Helpers shared by the reliability tests: what the bot said to one input, the database's row counts,
and the checks every hostile input must pass (a polite answer, no error handler, state unchanged)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.handlers import SORRY
from db.models import Base
from tests.bot_support import RunningBot
from tests.emulator import BotOutput, TgUser

HELP_MARK = "I recommend movies from what you've liked"
"""A phrase of the /help answer: the sentinel that ends :func:`exchange`."""
LOG_ONLY_TABLES = ("users", "messages", "pending_updates")
"""Tables every update may write (first contact, the conversation log, the polling inbox); the others
hold user state."""


async def exchange(bot: RunningBot, user: TgUser, text: str, *, chat: dict[str, Any] | None = None,
                   timeout: float = 20.0) -> list[BotOutput]:
    """Everything the bot answered to ``text`` (possibly nothing).

    A ``/help`` from the same user follows it: one user's updates are handled in order, so the answer
    to ``/help`` marks the end of the answer to ``text`` without waiting out a fixed silence.
    """
    await bot.emulator.send_text(user, text, chat=chat)
    return await answered_before_help(bot, user, chat=chat, timeout=timeout)


async def answered_before_help(bot: RunningBot, user: TgUser, *, chat: dict[str, Any] | None = None,
                               timeout: float = 20.0) -> list[BotOutput]:
    """Send the ``/help`` sentinel and return the outputs in the chat that came before its answer."""
    private = chat is None or chat["type"] == "private"
    await bot.emulator.send_text(user, "/help" if private else f"/help@{bot.emulator.bot['username']}", chat=chat)
    chat_id = user.id if chat is None else chat["id"]
    said: list[BotOutput] = []
    while True:
        (output,) = await bot.emulator.wait_for_replies(chat_id, 1, timeout)
        if HELP_MARK in output.text:
            return said
        said.append(output)


def state_rows(bot: RunningBot) -> dict[str, int]:
    """Rows per table of everything that is user state (every table of the models but the logs)."""
    with bot.services.engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables if table.name not in LOG_ONLY_TABLES}


def assert_polite(outputs: list[BotOutput], expected: str | None = None) -> None:
    """At least one answer, none of them the error handler's apology, one containing ``expected``."""
    assert outputs, "expected an answer"
    texts = [output.text for output in outputs]
    assert all(text.strip() and SORRY not in text for text in texts), texts
    if expected is not None:
        assert any(expected in text for text in texts), texts


def assert_no_errors(caplog: pytest.LogCaptureFixture) -> None:
    """No ERROR record: the error handler (which logs every unhandled exception) never ran."""
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []

"""Helpers shared by the reliability tests: what the bot said to one input, the database's row counts and
contents, a user with a row in every table, and the checks every hostile input must pass (a polite
answer, no error handler, state unchanged)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, inspect, or_, select

from bot.handlers import SORRY
from db import access
from db.models import Base
from tests.bot_support import RunningBot
from tests.emulator import BotOutput, TgUser
from tests.test_bot_e2e import press

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


def state_snapshot(bot: RunningBot) -> dict[str, Any]:
    """The schema (every table and its columns) and every row of every user-state table (those of
    :func:`state_rows`), in primary-key order: contents, so a changed value shows, not only a count."""
    with bot.services.engine.connect() as connection:
        schema = inspect(connection)
        snapshot: dict[str, Any] = {"schema": {name: [column["name"] for column in schema.get_columns(name)]
                                               for name in schema.get_table_names()}}
        for table in Base.metadata.sorted_tables:
            if table.name not in LOG_ONLY_TABLES:
                rows = connection.execute(select(table).order_by(*table.primary_key.columns))
                snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


def rows_about(bot: RunningBot, user_id: int) -> dict[str, int]:
    """Rows naming the user in every table of the models, by any user_id, chat_id or users.id column."""
    counts = {}
    with bot.services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.c
                       if c.name in ("user_id", "chat_id") or (table.name == "users" and c.name == "id")]
            if columns:
                query = select(func.count()).select_from(table).where(or_(*(c == user_id for c in columns)))
                counts[table.name] = connection.scalar(query) or 0
    return counts


async def fill_every_table(bot: RunningBot, user: TgUser) -> None:
    """Give ``user`` rows in every table: a liked onboarding group, an onboarding card not seen, ratings,
    impressions and a dismissal from /recommend, a watchlist entry, and the conversation log."""
    _, groups = await exchange(bot, user, "/start")
    (groups,) = await press(bot, user, groups, groups.buttons[0][0]["callback_data"])  # a liked onboarding group
    _, card = await press(bot, user, groups, groups.button("Done"), replies=2)
    await press(bot, user, card, card.button("Haven't seen"), replies=2)
    await exchange(bot, user, "Fargo 5, Heat 4, Toy Story 3")
    _, first, *_ = await exchange(bot, user, "/recommend 2")
    await press(bot, user, first, first.button("Not interested"))
    with bot.sessions().begin() as session:
        access.add_to_watchlist(session, user.id, 50)  # no command writes it yet; the table is still covered


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

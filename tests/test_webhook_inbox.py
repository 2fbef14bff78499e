"""The webhook's durable inbox (``bot/webhook.py``): an update is stored before its POST is answered 200,
handled once, deleted when handled; a bad secret or body is refused and stores nothing; the sweep
handles the orphans a dead process left and leaves young rows (another replica's updates in flight).

The Application is the long-polling tests' EchoBot, whose handler can be held, so the tests see the
row while its update is being handled; the real ``python -m bot --webhook`` process is driven over
HTTP in ``tests/test_bot_process.py``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, sessionmaker
from telegram.ext import Application, MessageHandler, filters

from bot.polling import running
from bot.webhook import ORPHAN_AFTER_S, WebhookInbox
from db import inbox
from db.models import PendingUpdate, utcnow
from tests.bot_support import ALICE, BOB, database_url, emulator, migrated_database  # noqa: F401
from tests.emulator import BotApiEmulator
from tests.test_polling_inbox import EchoBot, an_update, pending_ids, sessions, texts, wait_until  # noqa: F401

SECRET = "hook_secret"


@asynccontextmanager
async def webhook_inbox(emulator: BotApiEmulator, sessions: sessionmaker[Session],  # noqa: F811
                        bot: EchoBot) -> AsyncIterator[WebhookInbox]:
    application = (Application.builder().token(emulator.token).base_url(f"{emulator.url}/bot")
                   .concurrent_updates(True).build())
    application.add_handler(MessageHandler(filters.TEXT, bot.on_text))
    async with running(application):
        receiver = WebhookInbox(application, sessions, SECRET)
        try:
            yield receiver
        finally:
            bot.release.set()
            await receiver.in_flight.drain()


def body(update_id: int, text: str, user=ALICE) -> bytes:
    return json.dumps(an_update(update_id, user, text)).encode()


async def test_an_update_is_stored_before_the_answer_and_deleted_once_handled(
        emulator: BotApiEmulator, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    bot = EchoBot(held={ALICE.id})
    async with webhook_inbox(emulator, sessions, bot) as receiver:
        assert await receiver.receive(SECRET, body(10, "Fargo 5")) == 200
        await wait_until(lambda: bot.handled == [10])
        assert pending_ids(sessions) == [10]  # answered 200, still being handled: a crash now loses nothing
        assert await receiver.receive(SECRET, body(10, "Fargo 5")) == 200  # Telegram's retry: not handled twice
        bot.release.set()
        (reply,) = await emulator.wait_for_replies(ALICE.id, 1)
        assert reply.text == "done: Fargo 5"
        await wait_until(lambda: pending_ids(sessions) == [])
    assert bot.handled == [10]


async def test_a_wrong_secret_or_a_body_that_is_no_update_is_refused_and_stores_nothing(
        emulator: BotApiEmulator, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    bot = EchoBot()
    async with webhook_inbox(emulator, sessions, bot) as receiver:
        assert await receiver.receive("", body(11, "Heat 4")) == 403
        assert await receiver.receive(SECRET[:-1], body(11, "Heat 4")) == 403
        for garbage in (b"", b"not json", b"[1, 2]", b'{"message": {}}', "ü".encode("latin-1")):
            assert await receiver.receive(SECRET, garbage) == 400, garbage
    assert pending_ids(sessions) == [] and bot.handled == [] and texts(emulator, ALICE) == []


async def test_the_sweep_handles_orphans_and_leaves_young_rows_to_their_replica(
        emulator: BotApiEmulator, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    with sessions.begin() as session:
        inbox.store_updates(session, [(20, body(20, "left by a dead process").decode()),
                                      (21, body(21, "in flight at another replica", BOB).decode())])
        session.execute(sql_update(PendingUpdate).where(PendingUpdate.update_id == 20)
                        .values(received_at=utcnow() - timedelta(seconds=2 * ORPHAN_AFTER_S)))
    bot = EchoBot()
    async with webhook_inbox(emulator, sessions, bot) as receiver:
        await receiver.sweep()
        (reply,) = await emulator.wait_for_replies(ALICE.id, 1)
        assert reply.text == "done: left by a dead process"
        await wait_until(lambda: pending_ids(sessions) == [21])
    assert bot.handled == [20] and texts(emulator, BOB) == []

"""The long-polling inbox (``bot/polling.py``, ``db/inbox.py``) over the Bot API emulator and a real SQLite
database: a slow update holds up nobody else, updates left by a dead process are handled at start, a
re-delivered update is handled once, and fetching stops while too many updates are in flight.

The Application here is a tiny one whose handler can be held on an event, so the tests control exactly
when an update finishes; the real bot's handlers run through the same loop in ``tests/test_bot_e2e.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.polling import poll, running
from db import inbox
from db.engine import make_engine, make_session_factory
from tests.bot_support import ALICE, BOB, database_url, emulator, migrated_database  # noqa: F401
from tests.emulator import BotApiEmulator, TgUser


@dataclass
class EchoBot:
    """Answers "done: <text>"; an update of a user in ``held`` waits for ``release`` first."""

    held: set[int] = field(default_factory=set)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    handled: list[int] = field(default_factory=list)
    """update_ids in the order their handling began."""

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        self.handled.append(update.update_id)
        if update.effective_user.id in self.held:
            await self.release.wait()
        await context.bot.send_message(update.effective_message.chat_id, f"done: {update.effective_message.text}")


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@dataclass
class Polling:
    task: asyncio.Task[None]
    stop: asyncio.Event


@asynccontextmanager
async def polling(emulator: BotApiEmulator, sessions: sessionmaker[Session], bot: EchoBot,  # noqa: F811
                  **options: Any) -> AsyncIterator[Polling]:
    """``poll`` with an EchoBot Application until the block ends (the held updates are released then)."""
    application = (Application.builder().token(emulator.token).base_url(f"{emulator.url}/bot")
                   .concurrent_updates(True).build())
    application.add_handler(MessageHandler(filters.TEXT, bot.on_text))
    async with running(application):
        stop = asyncio.Event()
        task = asyncio.create_task(poll(application, sessions, stop, timeout=1, **options))
        try:
            yield Polling(task, stop)
        finally:
            stop.set()
            bot.release.set()
            await emulator.wake_pollers()
            await asyncio.wait_for(task, 10)


def pending_ids(sessions: sessionmaker[Session]) -> list[int]:
    with sessions.begin() as session:
        return [row.update_id for row in inbox.pending_updates(session)]


def texts(emulator: BotApiEmulator, user: TgUser) -> list[str]:  # noqa: F811
    return [output.text for output in emulator.outputs(user.id)]


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.01)


def record_deliveries(emulator: BotApiEmulator) -> list[int]:  # noqa: F811
    """The update_ids every getUpdates answer carries, in order (a repeat shows up twice)."""
    delivered: list[int] = []
    fetch = emulator._api_getupdates

    async def recording(params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await fetch(params)
        delivered.extend(update["update_id"] for update in updates)
        return updates

    emulator._api_getupdates = recording  # type: ignore[method-assign]
    return delivered


def resend_with_next_batch(emulator: BotApiEmulator) -> list[dict[str, Any]]:  # noqa: F811
    """Updates appended to the returned list are delivered again at the head of the next non-empty
    getUpdates answer, as Telegram does when a confirmation was lost. (Queued in the emulator, a repeat
    of an already confirmed id would only be seen if the bot happened to be inside a long poll.)"""
    repeats: list[dict[str, Any]] = []
    fetch = emulator._api_getupdates

    async def with_repeats(params: dict[str, Any]) -> list[dict[str, Any]]:
        updates = await fetch(params)
        if updates and repeats:
            updates = [*repeats, *updates]
            repeats.clear()
        return updates

    emulator._api_getupdates = with_repeats  # type: ignore[method-assign]
    return repeats


def an_update(update_id: int, user: TgUser, text: str) -> dict[str, Any]:
    chat = {"id": user.id, "type": "private", "first_name": user.first_name}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": int(time.time()), "chat": chat,
                                                "from": user.as_json(), "text": text}}


def test_store_skips_ids_already_stored_and_lists_in_update_id_order(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert inbox.store_updates(session, [(7, "{}"), (5, "{}")]) == [7, 5]
    with sessions.begin() as session:
        assert inbox.store_updates(session, [(5, "{}"), (6, '{"a": 1}'), (6, "{}")]) == [6]
        assert [(row.update_id, row.payload) for row in inbox.pending_updates(session)] == [
            (5, "{}"), (6, '{"a": 1}'), (7, "{}")]
        assert all(row.received_at.tzinfo is not None for row in inbox.pending_updates(session))
        inbox.delete_update(session, 6)
        inbox.delete_update(session, 99)  # not stored: nothing happens
    assert pending_ids(sessions) == [5, 7]


async def test_a_slow_update_does_not_hold_up_another_user(emulator: BotApiEmulator,  # noqa: F811
                                                           sessions: sessionmaker[Session]) -> None:
    bot = EchoBot(held={ALICE.id})
    async with polling(emulator, sessions, bot):
        await emulator.send_text(ALICE, "slow")
        await wait_until(lambda: len(bot.handled) == 1)  # Alice's update is being handled, and stays so
        (alice_update,) = bot.handled
        await emulator.send_text(BOB, "fast")
        (reply,) = await emulator.wait_for_replies(BOB.id, 1)
        assert reply.text == "done: fast"
        assert texts(emulator, ALICE) == [] and not bot.release.is_set()
        await wait_until(lambda: pending_ids(sessions) == [alice_update])  # Bob's row is gone, Alice's stays
        bot.release.set()
        (reply,) = await emulator.wait_for_replies(ALICE.id, 1)
        assert reply.text == "done: slow"
        await wait_until(lambda: pending_ids(sessions) == [])


async def test_updates_left_in_the_inbox_are_handled_first_in_order_and_not_again(
        emulator: BotApiEmulator, sessions: sessionmaker[Session]) -> None:  # noqa: F811
    # A previous process stored 1000 and 1001 (and so confirmed them), then died before handling them.
    # Telegram delivers 1001 again all the same (the confirmation may never have reached it).
    with sessions.begin() as session:
        inbox.store_updates(session, [(1001, json.dumps(an_update(1001, ALICE, "second"))),
                                      (1000, json.dumps(an_update(1000, ALICE, "first")))])
    await emulator.send_update(an_update(1001, ALICE, "second"))
    bot = EchoBot()
    async with polling(emulator, sessions, bot):
        replies = await emulator.wait_for_replies(ALICE.id, 2)
        assert [reply.text for reply in replies] == ["done: first", "done: second"]
        await wait_until(lambda: pending_ids(sessions) == [])
        await emulator.send_text(BOB, "after")  # polling goes on as usual
        await emulator.wait_for_replies(BOB.id, 1)
    assert bot.handled[:2] == [1000, 1001] and bot.handled.count(1001) == 1
    first_fetch = next(params for method, params in emulator.calls if method == "getUpdates")
    assert int(first_fetch["offset"]) == 1002  # the first getUpdates confirms what the inbox holds


async def test_an_update_delivered_again_while_in_flight_is_handled_once(emulator: BotApiEmulator,  # noqa: F811
                                                                        sessions: sessionmaker[Session]) -> None:
    bot = EchoBot(held={ALICE.id})
    repeats = resend_with_next_batch(emulator)
    delivered = record_deliveries(emulator)
    async with polling(emulator, sessions, bot):
        await emulator.send_text(ALICE, "slow")
        await wait_until(lambda: len(bot.handled) == 1)
        (alice_update,) = bot.handled
        repeats.append(an_update(alice_update, ALICE, "slow"))  # Telegram sends it again…
        await emulator.send_text(BOB, "behind it")  # …in the batch that brings this one
        await emulator.wait_for_replies(BOB.id, 1)
        bot.release.set()
        await emulator.wait_for_replies(ALICE.id, 1)
        await wait_until(lambda: pending_ids(sessions) == [])
        await asyncio.sleep(0.2)
    assert delivered.count(alice_update) == 2  # the repeat did arrive
    assert bot.handled.count(alice_update) == 1
    assert texts(emulator, ALICE) == ["done: slow"]


async def test_fetching_waits_while_the_in_flight_limit_is_reached(emulator: BotApiEmulator,  # noqa: F811
                                                                   sessions: sessionmaker[Session]) -> None:
    bot = EchoBot(held={ALICE.id})
    async with polling(emulator, sessions, bot, max_in_flight=1):
        await emulator.send_text(ALICE, "slow")
        await wait_until(lambda: len(bot.handled) == 1)
        await emulator.send_text(BOB, "waits")
        await asyncio.sleep(0.5)
        assert texts(emulator, BOB) == [] and len(pending_ids(sessions)) == 1  # not even fetched
        bot.release.set()
        (reply,) = await emulator.wait_for_replies(BOB.id, 1)
        assert reply.text == "done: waits"


async def test_stopping_finishes_the_updates_in_flight_then_confirms(emulator: BotApiEmulator,  # noqa: F811
                                                                     sessions: sessionmaker[Session]) -> None:
    bot = EchoBot(held={ALICE.id})
    async with polling(emulator, sessions, bot) as running_poll:
        await emulator.send_text(ALICE, "slow")
        await wait_until(lambda: len(bot.handled) == 1)
        (alice_update,) = bot.handled
        calls_before_stop = len(emulator.calls)
        running_poll.stop.set()
        await emulator.wake_pollers()
        await asyncio.sleep(0.3)
        assert not running_poll.task.done()  # still waiting for Alice's update
        assert texts(emulator, ALICE) == [] and pending_ids(sessions) == [alice_update]
        bot.release.set()
        await asyncio.wait_for(running_poll.task, 10)
    assert texts(emulator, ALICE) == ["done: slow"] and pending_ids(sessions) == []
    last_fetch = [params for method, params in emulator.calls[calls_before_stop:] if method == "getUpdates"][-1]
    assert int(last_fetch["offset"]) == alice_update + 1

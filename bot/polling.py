"""Long polling through a durable inbox: crash safety without head-of-line blocking.

Telegram forgets an update once a getUpdates call confirms it (an ``offset`` above its id).
python-telegram-bot's ``run_polling`` confirms a batch as soon as it has *fetched* it: a bot killed
mid-load silently dropped every update it had fetched but not answered (the crash test lost 134 of 150
messages that way). Handling the whole batch before confirming it fixes that, but then one slow update
(a /recommend sends seven messages through the rate limiter) holds up every other user's message until
the whole batch is done.

So each fetched batch is first written to the ``pending_updates`` table (``db/inbox.py``, one
transaction), then every update starts as its own task at once, and the next getUpdates follows
immediately: Telegram's confirmation comes only after the batch is durably stored. A task deletes its
row once the update is handled; at start-up the rows a dead process left behind are handled first, in
update_id order. Tasks start in update_id order and the handlers keep one user's updates in order (their
per-user lock), while different users never wait for each other. At most ``MAX_IN_FLIGHT`` updates are
in flight; beyond that, fetching waits (backpressure). On stop, fetching ends, the updates in flight are
finished, then the last batch is confirmed. An update handled twice (a crash between handling and
deleting its row) is harmless: ratings are upserts, and a repeated answer beats none.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from db import inbox
from db.engine import error_summary

logger = logging.getLogger(__name__)

POLL_TIMEOUT_S = 10
"""How long one getUpdates waits for news (Telegram's long polling)."""
MAX_RETRY_DELAY_S = 30.0
MAX_IN_FLIGHT = 256
"""Updates being handled at once; fetching waits while this many are in flight."""
MAX_BATCH = 100  # Telegram's own limit for one getUpdates


@asynccontextmanager
async def running(application: Application) -> AsyncIterator[None]:
    """The Application's life cycle around polling, as ``run_polling`` runs it (without its updater)."""
    await application.initialize()  # getMe: InvalidToken or NetworkError surface here, before anything runs
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


class InFlight:
    """The updates being handled, one task each; a finished update's inbox row is deleted."""

    def __init__(self, application: Application, sessions: sessionmaker[Session], limit: int) -> None:
        self._application = application
        self._sessions = sessions
        self._limit = limit
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._tasks

    @property
    def room(self) -> int:
        return max(self._limit - len(self._tasks), 0)

    def start(self, update: Update) -> None:
        """Handle ``update`` in a task of its own (call in update_id order: that is the handling order)."""
        task = asyncio.create_task(self._handle(update), name=f"update-{update.update_id}")
        self._tasks[update.update_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(update.update_id, None))

    async def wait_for_room(self) -> None:
        while not self.room:
            await asyncio.wait(list(self._tasks.values()), return_when=asyncio.FIRST_COMPLETED)

    async def drain(self) -> None:
        """Wait until every update in flight is handled."""
        while self._tasks:
            await asyncio.wait(list(self._tasks.values()))

    async def _handle(self, update: Update) -> None:
        try:
            await self._application.process_update(update)  # handler errors go to on_error there
        except Exception:
            logger.exception("update %s could not be processed", update.update_id)
        await self.forget(update.update_id)

    async def forget(self, update_id: int) -> None:
        try:
            await asyncio.to_thread(_delete, self._sessions, update_id)
        except SQLAlchemyError as error:  # handled anyway; the next start handles it again (harmless)
            logger.warning("could not delete update %s from the inbox: %s", update_id, error_summary(error))


async def poll(application: Application, sessions: sessionmaker[Session], stop: asyncio.Event, *,
               timeout: int = POLL_TIMEOUT_S, max_in_flight: int = MAX_IN_FLIGHT) -> None:
    """Handle the inbox's leftovers, then fetch, store and handle updates until ``stop`` is set; the
    updates in flight are finished before it returns."""
    in_flight = InFlight(application, sessions, max_in_flight)
    offset: int | None = None
    try:
        offset = await replay(in_flight, application.bot, sessions)
        delay = 1.0
        while not stop.is_set():
            await in_flight.wait_for_room()  # backpressure
            try:
                offset = await _fetch_and_start(application.bot, offset, timeout, in_flight, sessions, stop)
            except InvalidToken:
                raise  # the token was revoked: nothing to retry
            except (TelegramError, SQLAlchemyError) as error:
                # The network, Telegram, a Conflict (another instance polls) or the database: nothing new
                # was confirmed, so the same updates come again. Wait and try again.
                logger.warning("%s; retrying in %.0f s", _failure(error), delay)
                await sleep_unless_stopped(delay, stop)
                delay = min(delay * 2, MAX_RETRY_DELAY_S)
            else:
                delay = 1.0
    finally:
        await in_flight.drain()
    if offset is not None:
        with suppress(TelegramError):  # confirm the last batch (it is handled and gone from the inbox)
            await application.bot.get_updates(offset=offset, timeout=0, limit=1)


async def _fetch_and_start(bot: Bot, offset: int | None, timeout: int, in_flight: InFlight,
                           sessions: sessionmaker[Session], stop: asyncio.Event) -> int | None:
    """One getUpdates (confirming everything before ``offset``); the batch is stored in the inbox, then
    each update new to it starts. Returns the offset that confirms this batch."""
    updates = await _unless_stopped(bot.get_updates(offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES,
                                                    limit=min(MAX_BATCH, in_flight.room)), stop)
    if not updates:
        return offset
    # Telegram delivers an update again when our confirmation never reached it: start it only once.
    fresh = [update for update in updates if update.update_id not in in_flight]
    stored = set(await asyncio.to_thread(store, sessions, fresh)) if fresh else set()
    for update in fresh:
        if update.update_id in stored:
            in_flight.start(update)
    return updates[-1].update_id + 1


async def replay(in_flight: InFlight, bot: Bot, sessions: sessionmaker[Session], *,
                 received_before: datetime | None = None) -> int | None:
    """Start the updates a previous process stored but did not finish (those received before
    ``received_before`` when given; never one this process is handling); returns the getUpdates offset
    that confirms them (None when there were none), so Telegram does not deliver them again."""
    rows = [row for row in await asyncio.to_thread(_pending, sessions, received_before) if row[0] not in in_flight]
    for update_id, payload in rows:
        try:
            update = Update.de_json(json.loads(payload), bot)
        except (ValueError, TypeError, KeyError):
            logger.exception("update %s in the inbox is unreadable; dropping it", update_id)
            await in_flight.forget(update_id)
            continue
        in_flight.start(update)
    if rows:
        logger.info("handling %d updates left in the inbox by the previous run", len(rows))
        return rows[-1][0] + 1
    return None


def stop_on_signals() -> asyncio.Event:
    """An event that SIGINT or SIGTERM sets (call inside the running event loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


def run_polling(application: Application, sessions: sessionmaker[Session]) -> None:
    """Serve by long polling until SIGINT or SIGTERM (in-flight updates are finished first)."""

    async def serve() -> None:
        stop = stop_on_signals()
        async with running(application):
            await application.bot.delete_webhook()  # getUpdates is refused while a webhook is set
            await poll(application, sessions, stop)
        logger.info("stopped")

    asyncio.run(serve())


def _failure(error: TelegramError | SQLAlchemyError) -> str:
    if isinstance(error, TelegramError):
        return f"getUpdates failed ({error})"
    return f"storing updates in the inbox failed ({error_summary(error)})"


def store(sessions: sessionmaker[Session], updates: Sequence[Update]) -> list[int]:
    """Write ``updates`` to the inbox in one transaction; returns the ids newly stored."""
    with sessions.begin() as session:
        return inbox.store_updates(session, [(update.update_id, update.to_json()) for update in updates])


def _delete(sessions: sessionmaker[Session], update_id: int) -> None:
    with sessions.begin() as session:
        inbox.delete_update(session, update_id)


def _pending(sessions: sessionmaker[Session], received_before: datetime | None) -> list[tuple[int, str]]:
    with sessions.begin() as session:
        return [(row.update_id, row.payload) for row in inbox.pending_updates(session, received_before)]


async def _unless_stopped(fetch: Coroutine[Any, Any, tuple[Update, ...]], stop: asyncio.Event) -> tuple[Update, ...]:
    """The fetch's result, or () as soon as ``stop`` is set (the unconfirmed fetch is simply redone later)."""
    fetching = asyncio.ensure_future(fetch)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if fetching.done():
        return fetching.result()
    fetching.cancel()
    with suppress(asyncio.CancelledError):
        await fetching
    return ()


async def sleep_unless_stopped(seconds: float, stop: asyncio.Event) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)

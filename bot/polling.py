"""Long polling that confirms an update to Telegram only after the bot has handled it.

python-telegram-bot's ``run_polling`` confirms a batch of updates (the ``offset`` of the next
getUpdates) as soon as it has *fetched* it, before handling it: a bot killed mid-load silently drops
every update it had fetched but not answered (the crash test lost 134 of 150 messages that way). Here a
batch is handled completely — concurrently across users, in order for each user (the handlers' per-user
lock) — before the next getUpdates confirms it; after a crash Telegram delivers the unconfirmed batch
again. Handling an update twice is harmless: ratings are upserts, and a repeated answer beats none.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager, suppress
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

logger = logging.getLogger(__name__)

POLL_TIMEOUT_S = 10
"""How long one getUpdates waits for news (Telegram's long polling)."""
MAX_RETRY_DELAY_S = 30.0


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


async def poll(application: Application, stop: asyncio.Event, *, timeout: int = POLL_TIMEOUT_S) -> None:
    """Fetch and handle updates until ``stop`` is set; the batch in hand is finished first."""
    offset: int | None = None
    delay = 1.0
    while not stop.is_set():
        try:
            updates = await _unless_stopped(application.bot.get_updates(
                offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES), stop)
        except InvalidToken:
            raise  # the token was revoked: nothing to retry
        except TelegramError as error:
            # The network, Telegram itself, or a Conflict (another instance polls): wait and try again.
            logger.warning("getUpdates failed (%s); retrying in %.0f s", error, delay)
            await _sleep_unless_stopped(delay, stop)
            delay = min(delay * 2, MAX_RETRY_DELAY_S)
            continue
        delay = 1.0
        if not updates:
            continue
        results = await asyncio.gather(*(application.process_update(u) for u in updates), return_exceptions=True)
        for update, result in zip(updates, results, strict=True):
            if isinstance(result, BaseException):  # process_update hands handler errors to on_error itself
                logger.error("update %s could not be processed", update.update_id, exc_info=result)
        offset = updates[-1].update_id + 1
    if offset is not None:
        with suppress(TelegramError):  # confirm the last batch, or it would be handled again after a restart
            await application.bot.get_updates(offset=offset, timeout=0, limit=1)


def run_polling(application: Application) -> None:
    """Serve by long polling until SIGINT or SIGTERM (in-flight updates are finished first)."""

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with running(application):
            await application.bot.delete_webhook()  # getUpdates is refused while a webhook is set
            await poll(application, stop)
        logger.info("stopped")

    asyncio.run(serve())


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


async def _sleep_unless_stopped(seconds: float, stop: asyncio.Event) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)

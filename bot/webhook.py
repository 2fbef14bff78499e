"""Webhook mode through the durable inbox: an update is stored before Telegram is told it arrived.

Telegram takes the 200 answering its POST as delivery. python-telegram-bot's ``run_webhook`` answers
as soon as the update is queued in memory, so a process killed mid-load lost every update it had
queued. Here a POST carrying the right secret header is first written to the ``pending_updates``
table (``db/inbox.py``), then answered, then handled in a task of its own exactly as long polling
handles it (``bot/polling.py``: ``InFlight`` deletes the row once the update is handled). A request
that cannot be stored is answered 503, so Telegram delivers it again later; while ``MAX_IN_FLIGHT``
updates are being handled, the answer waits (backpressure).

Several replicas may share one inbox (docs/scaling.md), so a replica cannot tell a dead process's
rows from another replica's updates in flight. A row older than ``ORPHAN_AFTER_S`` is taken to be an
orphan: at start-up and every ``SWEEP_S`` each replica handles the orphans. Two replicas may sweep
the same orphan; as with polling, an update handled twice is harmless (ratings are upserts, and a
repeated answer beats none).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from datetime import timedelta
from urllib.parse import urlparse

import tornado.web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.ext import Application

from bot.polling import MAX_IN_FLIGHT, InFlight, replay, running, sleep_unless_stopped, stop_on_signals, store
from db.engine import error_summary
from db.models import utcnow

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ORPHAN_AFTER_S = 60.0
"""Age after which a stored update is taken to be left by a dead process (handling one takes seconds)."""
SWEEP_S = 30.0
"""How often the inbox is searched for orphans."""


class WebhookInbox:
    """Receives the webhook's POSTs: checks the secret, stores the update, starts handling it."""

    def __init__(self, application: Application, sessions: sessionmaker[Session], secret: str, *,
                 max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self._application = application
        self._sessions = sessions
        self._secret = secret.encode()
        self.in_flight = InFlight(application, sessions, max_in_flight)

    async def receive(self, secret: str, body: bytes) -> int:
        """Handle one POST; returns the HTTP status to answer (200 only once the update is stored)."""
        if not hmac.compare_digest(secret.encode(), self._secret):
            return 403
        try:
            update = Update.de_json(json.loads(body), self._application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            return 400
        await self.in_flight.wait_for_room()
        if update.update_id in self.in_flight:
            return 200  # Telegram delivered it again while we were handling it
        try:
            newly_stored = await asyncio.to_thread(store, self._sessions, [update])
        except SQLAlchemyError as error:
            logger.warning("storing update %s in the inbox failed (%s); Telegram will send it again",
                           update.update_id, error_summary(error))
            return 503
        if newly_stored:  # a repeat of a stored update is an orphan's: the sweep handles it
            self.in_flight.start(update)
        return 200

    async def sweep(self) -> None:
        """Start the orphans: stored updates older than ``ORPHAN_AFTER_S`` that nobody here handles."""
        try:
            await replay(self.in_flight, self._application.bot, self._sessions,
                         received_before=utcnow() - timedelta(seconds=ORPHAN_AFTER_S))
        except SQLAlchemyError as error:
            logger.warning("reading the inbox failed (%s); trying again in %.0f s", error_summary(error), SWEEP_S)


class _UpdateEndpoint(tornado.web.RequestHandler):
    def initialize(self, inbox: WebhookInbox) -> None:
        self.inbox = inbox

    async def post(self) -> None:
        self.set_status(await self.inbox.receive(self.request.headers.get(SECRET_HEADER, ""), self.request.body))


def run_webhook(application: Application, sessions: sessionmaker[Session], *, url: str, secret: str,
                listen: str, port: int) -> None:
    """Register ``url`` with Telegram and serve it on ``listen:port`` until SIGINT or SIGTERM (the updates
    in flight are finished first). A proxy forwards Telegram's POSTs unchanged, so the path is ``url``'s."""

    async def serve() -> None:
        stop = stop_on_signals()
        async with running(application):
            inbox = WebhookInbox(application, sessions, secret)
            server = tornado.web.Application([(re.escape(urlparse(url).path or "/"), _UpdateEndpoint, {"inbox": inbox})]
                                             ).listen(port, address=listen)
            try:
                await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
                while not stop.is_set():
                    await inbox.sweep()
                    await sleep_unless_stopped(SWEEP_S, stop)
            finally:
                server.stop()  # no new requests; Telegram retries what it could not deliver
                await inbox.in_flight.drain()
                await server.close_all_connections()
        logger.info("stopped")

    asyncio.run(serve())

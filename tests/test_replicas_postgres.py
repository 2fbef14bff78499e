"""Two ``python -m bot --webhook`` replicas sharing one PostgreSQL database, behind a load balancer.

docs/scaling.md says the bot scales out as several webhook replicas over one ``DATABASE_URL``; this
demonstrates it with real processes. The test plays Telegram and the proxy in front of the replicas:
it posts each update to the replica of its chat (``chat_id % 2``, routing by chat as the docs
recommend), and the Bot API emulator receives the replies of both. Each replica sends at most
``TELEGRAM_RATE_LIMIT`` = 15 messages per second, half of Telegram's limit for the bot.
It runs when ``MOVIEREC_TEST_POSTGRES_URL`` is set (``. scripts/ci_postgres.sh``) and skips otherwise.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from db import access
from db.engine import make_engine, make_session_factory
from tests.bot_support import Served, emulator, served  # noqa: F401
from tests.emulator import BotApiEmulator, BotOutput, TgUser
from tests.test_bot_e2e import acknowledged_ratings
from tests.test_bot_process import bot_environment, free_port
# A fresh PostgreSQL database, migrated once before the replicas start (as docs/scaling.md asks).
from tests.test_reliability_postgres import database_url  # noqa: F401

pytestmark = pytest.mark.realdata

REPLICAS = 2
RATE_LIMIT = "15"  # TELEGRAM_RATE_LIMIT of each replica: 30 messages/s shared by two
SECRET = "replica_secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
USERS = [TgUser(id=700_000 + i, first_name=f"Replica{i}") for i in range(10)]
RATINGS = ("Fargo 5", "Heat 4", "Casablanca 3")
RATED_TITLES = ("Fargo (1996)", "Heat (1995)", "Casablanca (1942)")


@dataclass
class Replica:
    """One ``python -m bot --webhook`` process; stdout and stderr go to ``log_path``."""

    process: asyncio.subprocess.Process
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


async def start_replica(emulator: BotApiEmulator, database_url: str, folder: Path, index: int) -> Replica:
    """Start a replica on its own port; the log goes to a file, which (unlike a pipe) never fills up and
    blocks the process while the test is busy elsewhere."""
    port = free_port()
    env = bot_environment(database_url, folder, TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=emulator.url,
                          WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_PORT=str(port),
                          WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET=SECRET, TELEGRAM_RATE_LIMIT=RATE_LIMIT)
    log_path = folder / f"replica{index}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--webhook", cwd=folder,
                                                       env=env, stdout=log, stderr=asyncio.subprocess.STDOUT)
    return Replica(process, f"http://127.0.0.1:{port}/hook", log_path)


async def wait_until_listening(http: aiohttp.ClientSession, replica: Replica, timeout: float = 60) -> None:
    """Up once the webhook answers: a request without the secret is refused (403) and handles nothing."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if replica.process.returncode is not None:
            raise AssertionError(f"the replica exited with {replica.process.returncode}:\n{replica.log()}")
        try:
            async with http.post(replica.url, json={}) as response:
                assert response.status == 403
                return
        except aiohttp.ClientConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


@asynccontextmanager
async def running_replicas(emulator: BotApiEmulator, database_url: str, folder: Path,
                           http: aiohttp.ClientSession) -> AsyncIterator[list[Replica]]:
    """``REPLICAS`` listening replicas; SIGTERM to each on the way out, which must let it finish and exit."""
    replicas: list[Replica] = []
    try:
        for index in range(REPLICAS):
            replicas.append(await start_replica(emulator, database_url, folder, index))
        await asyncio.gather(*(wait_until_listening(http, replica) for replica in replicas))
        yield replicas
    finally:
        for replica in replicas:
            if replica.process.returncode is None:
                replica.process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(asyncio.wait_for(replica.process.wait(), 60) for replica in replicas))


class LoadBalancer:
    """Telegram and the proxy in one: numbers the updates and posts each to the replica of its chat."""

    def __init__(self, emulator: BotApiEmulator, replicas: list[Replica], http: aiohttp.ClientSession) -> None:
        self.emulator = emulator
        self.replicas = replicas
        self.http = http
        self._update_ids = itertools.count(1)

    def replica_of(self, user: TgUser) -> Replica:
        return self.replicas[user.id % len(self.replicas)]

    async def send_text(self, user: TgUser, text: str, *, to: Replica | None = None) -> None:
        """Deliver ``text`` from ``user`` to the replica of their chat (or to ``to``), as Telegram posts to a
        webhook: the update is confirmed (200) once the replica has queued it."""
        update = {"update_id": next(self._update_ids), "message": self.emulator.new_message(user, text)}
        replica = to or self.replica_of(user)
        async with self.http.post(replica.url, json=update, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200, await response.text()

    async def rate(self, user: TgUser) -> list[BotOutput]:
        """The user's ratings one after the other, as one chat's updates arrive; then the bot's answers."""
        for text in RATINGS:
            await self.send_text(user, text)
        return await self.emulator.wait_for_replies(user.id, len(RATINGS), timeout=30)


def stored_ratings(database_url: str) -> dict[int, dict[int, float]]:
    """Every test user's ratings, read from the shared database as a third process would."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            return {user.id: access.get_ratings(session, user.id) for user in USERS}
    finally:
        engine.dispose()


async def test_two_webhook_replicas_share_one_postgresql_database(emulator: BotApiEmulator, database_url: str,
                                                                  tmp_path: Path, served: Served) -> None:
    async with aiohttp.ClientSession() as http:
        async with running_replicas(emulator, database_url, tmp_path, http) as replicas:
            balancer = LoadBalancer(emulator, replicas, http)
            answers = await asyncio.gather(*(balancer.rate(user) for user in USERS))  # all users at once

            acknowledged = {user.id: acknowledged_ratings(outputs, served.fallback.catalog)
                            for user, outputs in zip(USERS, answers, strict=True)}
            stored = stored_ratings(database_url)
            assert stored == acknowledged  # every rating a replica confirmed, exactly, and nothing else
            assert all(len(ratings) == len(RATINGS) for ratings in stored.values())

            user = USERS[0]  # rated through replica 0; replica 1 has never seen this user
            other = next(replica for replica in replicas if replica is not balancer.replica_of(user))
            await balancer.send_text(user, "/myratings", to=other)
            (listing,) = await emulator.wait_for_replies(user.id, 1, timeout=30)
            assert f"Your ratings ({len(RATINGS)})" in listing.text
            assert all(title in listing.text for title in RATED_TITLES)

    for replica in replicas:
        log = replica.log()
        assert replica.process.returncode == 0, log
        assert emulator.token not in log and "Traceback" not in log

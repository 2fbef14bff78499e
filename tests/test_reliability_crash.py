"""The real ``python -m bot`` process killed mid-load and stopped with SIGTERM mid-load.

The bot commits a rating before it sends the confirmation, so after SIGKILL every acknowledged rating
must be in the database. It confirms updates to Telegram only once they are stored in its inbox table
(``bot/polling.py``), so after the restart the unanswered ones are handled from the inbox or come again
from Telegram, and every rating arrives in the end; a button left waiting still works (its state is in
its callback data). SIGTERM must finish the updates in flight: afterwards the stored ratings and the
acknowledged ones are exactly the same.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from db import access
from db.engine import make_engine, make_session_factory
from tests.bot_support import ALICE, Served, database_url, emulator, migrated_database, served  # noqa: F401
from tests.emulator import BotApiEmulator, TgUser
from tests.test_bot_process import bot_environment

pytestmark = pytest.mark.realdata
ACKNOWLEDGED = re.compile(r"^✓ (.+) — [★½☆]+ ([0-9.]+)", re.MULTILINE)
LOAD_USERS = [TgUser(id=500_000 + i, first_name=f"Load{i}") for i in range(30)]
FIRST_WAVE = ["Fargo 5", "Heat 4", "Casablanca 3", "Toy Story 2", "Jaws 4"]
SECOND_WAVE = ["Braveheart 3", "Vertigo 4", "Clerks 5", "Amadeus 2", "Gandhi 4"]


async def start_bot(env: dict[str, str], folder: Path, name: str) -> tuple[asyncio.subprocess.Process, Path]:
    log = folder / f"{name}.log"
    with log.open("wb") as sink:  # a file, not a pipe: a chatty bot must never block on a full pipe
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=folder, env=env,
                                                       stdout=sink, stderr=subprocess.STDOUT)
    return process, log


def acknowledged(emulator: BotApiEmulator, user: TgUser, served: Served, since: int = 0) -> dict[int, float]:
    """The ratings the bot confirmed to ``user`` (in its outputs from index ``since`` on)."""
    movie_of = dict(zip(served.fallback.catalog["display_title"], served.fallback.catalog["movie_id"], strict=True))
    return {movie_of[title]: float(value) for output in emulator.outputs(user.id)[since:]
            for title, value in ACKNOWLEDGED.findall(output.text)}


def stored(database_url: str) -> dict[int, dict[int, float]]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine).begin() as session:
            return {user.id: access.get_ratings(session, user.id) for user in [ALICE, *LOAD_USERS]}
    finally:
        engine.dispose()


async def queue_load(emulator: BotApiEmulator, messages: list[str]) -> None:
    for text in messages:
        for user in LOAD_USERS:
            await emulator.send_text(user, text)


async def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.01) -> None:
    for _ in range(int(timeout / interval)):
        if condition():
            return
        await asyncio.sleep(interval)
    raise TimeoutError("the condition did not come true in time")


def answers_so_far(emulator: BotApiEmulator) -> int:
    return sum(len(emulator.outputs(user.id)) for user in LOAD_USERS)


async def test_sigkill_mid_load_loses_no_acknowledged_rating_and_sigterm_finishes_in_flight_updates(
        emulator: BotApiEmulator, database_url: str, tmp_path: Path, served: Served) -> None:
    env = bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=emulator.url)
    process, log = await start_bot(env, tmp_path, "first")
    try:
        await emulator.send_text(ALICE, "star trek - 4/5")
        (question,) = await emulator.wait_for_replies(ALICE.id, 1, timeout=60)  # a button left unanswered
        assert "which one did you mean?" in question.text
        await queue_load(emulator, FIRST_WAVE)
        await wait_until(lambda: answers_so_far(emulator) >= 15, timeout=60)
    finally:
        process.kill()  # SIGKILL: no clean-up of any kind
        await process.wait()
    confirmed = {user.id: acknowledged(emulator, user, served) for user in LOAD_USERS}
    total = sum(map(len, confirmed.values()))
    assert 0 < total < len(LOAD_USERS) * len(FIRST_WAVE), "the kill should land in the middle of the load"
    after_kill = stored(database_url)
    for user in LOAD_USERS:
        assert {movie: after_kill[user.id].get(movie) for movie in confirmed[user.id]} == confirmed[user.id]

    process, log = await start_bot(env, tmp_path, "second")
    try:
        query_id = await emulator.press_button(ALICE, question, question.button("Star Trek IV"))
        assert "Saved" in (await emulator.wait_for_callback_answer(query_id, timeout=60) or "")  # it resumes
        query_id = await emulator.press_button(ALICE, question, "0|r|230|8")  # a button of an older release
        assert "no longer valid" in (await emulator.wait_for_callback_answer(query_id, timeout=30) or "")
        await wait_until(lambda: all(len(stored(database_url)[user.id]) == len(FIRST_WAVE) for user in LOAD_USERS),
                         timeout=60, interval=0.2)  # from the inbox, or from Telegram if never confirmed

        since = {user.id: len(emulator.outputs(user.id)) for user in LOAD_USERS}
        await queue_load(emulator, SECOND_WAVE)
        await wait_until(lambda: answers_so_far(emulator) > sum(since.values()), timeout=60)
        process.send_signal(signal.SIGTERM)  # while most of the second wave is still in flight or queued
        await emulator.wake_pollers()
        assert await asyncio.wait_for(process.wait(), 60) == 0, log.read_text()[-3000:]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "Traceback" not in log.read_text()
    after_term = stored(database_url)
    assert after_term[ALICE.id] == {230: 4.0}
    second_wave = {served.matcher.match(text.rsplit(" ", 1)[0], limit=1)[0].movie_id for text in SECOND_WAVE}
    for user in LOAD_USERS:  # stored and acknowledged agree exactly: nothing half-done at shutdown
        new_stored = {m: v for m, v in after_term[user.id].items() if m in second_wave}
        new_acknowledged = {m: v for m, v in acknowledged(emulator, user, served, since[user.id]).items()
                            if m in second_wave}
        assert new_stored == new_acknowledged
    assert any(m in second_wave for user in LOAD_USERS for m in after_term[user.id])

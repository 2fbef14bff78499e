"""The real ``python -m bot`` process: long polling against the emulator, and the console chat."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import update as sql_update

from db import access, inbox
from db.engine import make_engine, make_session_factory
from db.models import PendingUpdate, utcnow
from tests.bot_support import (ALICE, Served, data_dir, database_url, emulator, migrated_database,  # noqa: F401
                               served)
from tests.emulator import BotApiEmulator

pytestmark = pytest.mark.realdata
FARGO = 100
REPO = Path(__file__).resolve().parents[1]


def bot_environment(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "WEBHOOK_"))}
    env.update(DATABASE_URL=database_url, MOVIEREC_DATA_DIR=str(data_dir()),
               MOVIEREC_ARTIFACTS_DIR=str(tmp_path / "artifacts"), LOG_LEVEL="INFO", **extra)
    return env


async def test_python_m_bot_polls_the_configured_api_url(emulator: BotApiEmulator, database_url: str,
                                                          tmp_path: Path, served: Served) -> None:
    env = bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN=emulator.token,
                          TELEGRAM_API_URL=emulator.url)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await emulator.send_text(ALICE, "Fargo 5")
        reply, = await emulator.wait_for_replies(ALICE.id, 1, timeout=60)
        assert "Fargo (1996)" in reply.text
        await emulator.send_text(ALICE, "/recommend 2")
        header, *_ = await emulator.wait_for_replies(ALICE.id, 4, timeout=30)
        assert "Popular picks" in header.text and "isn't available" in header.text  # fallback, and says so
        process.send_signal(signal.SIGHUP)  # reload: still no artifacts, keeps serving
        await emulator.send_text(ALICE, "Heat 4")
        reply, = await emulator.wait_for_replies(ALICE.id, 1, timeout=30)
        assert "Heat (1995)" in reply.text
        version = served.publish_personal(tmp_path / "artifacts")  # training finished meanwhile
        process.send_signal(signal.SIGHUP)
        for _ in range(50):  # the reload runs in the background; picks turn personal when it is done
            await emulator.send_text(ALICE, "/recommend 1")
            header, *_ = await emulator.wait_for_replies(ALICE.id, 3, timeout=30)
            if "isn't available" not in header.text:
                break
            await asyncio.sleep(0.2)
        assert "Picks — still fairly generic: you've rated 2 movies" in header.text
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.2)
        await emulator.wake_pollers()
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert emulator.token not in log and "non-personal" in log and f"now serving model version {version}" in log
    assert _ratings(database_url, ALICE.id) == {FARGO: 5.0, 273: 4.0}


async def test_python_m_bot_without_token_is_a_console_chat(database_url: str, tmp_path: Path) -> None:
    env = bot_environment(database_url, tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(b"Fargo 5\nToy Story\n4\n/myratings\n"), 120)
    out = stdout.decode()
    assert process.returncode == 0, stderr.decode()
    assert "TELEGRAM_BOT_TOKEN" in stderr.decode()  # how to connect Telegram
    assert "✓ Fargo (1996) — ★★★★★ 5" in out
    assert "[4] 4★" in out and "✓ Toy Story (1995) — ★★★★☆ 4" in out
    assert "Your ratings (2)" in out and out.rstrip().endswith("Bye!")


async def test_bad_settings_exit_with_a_clear_message(database_url: str, tmp_path: Path) -> None:
    env = bot_environment(database_url, tmp_path, BOT_ADMIN_IDS="12,alice")
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "BOT_ADMIN_IDS" in stderr.decode() and "'alice'" in stderr.decode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WEBHOOK_SECRET = "s3cret_token"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def start_webhook_bot(emulator: BotApiEmulator, database_url: str, tmp_path: Path,  # noqa: F811
                            port: int, **extra: str) -> asyncio.subprocess.Process:
    """``python -m bot --webhook`` on 127.0.0.1:``port`` (``extra``: more environment), returned once it
    has registered its webhook."""
    env = bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=emulator.url,
                          WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_PORT=str(port),
                          WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_SECRET=WEBHOOK_SECRET)
    env.update(extra)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "--webhook", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    for _ in range(600):  # the process needs a few seconds to start listening
        if emulator.webhook:
            break
        await asyncio.sleep(0.1)
    return process


async def wait_until_listening(http: aiohttp.ClientSession, url: str, update: dict[str, object]) -> int:
    """Post ``update`` with a wrong secret as soon as the webhook server accepts connections; its status."""
    for _ in range(100):
        try:
            async with http.post(url, json=update, headers={SECRET_HEADER: "wrong"}) as response:
                return response.status
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"nothing listens on {url}")


async def stop_bot(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, then the process's stderr once it has exited."""
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    return stderr.decode()


async def test_webhook_mode_checks_the_secret_on_every_request(emulator: BotApiEmulator, database_url: str,
                                                               tmp_path: Path) -> None:
    port = free_port()
    process = await start_webhook_bot(emulator, database_url, tmp_path, port)
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1_800_000_000, "text": "Fargo 5",
                                          "chat": {"id": ALICE.id, "type": "private"}, "from": ALICE.as_json()}}
    try:
        async with aiohttp.ClientSession() as http:
            assert emulator.webhook["url"] == "https://bot.example.org/hook"
            assert emulator.webhook["secret_token"] == WEBHOOK_SECRET
            url = f"http://127.0.0.1:{port}/hook"
            assert await wait_until_listening(http, url, update) == 403
            async with http.post(url, json=update) as response:
                assert response.status == 403
            async with http.post(url, data=b"{not json", headers={SECRET_HEADER: WEBHOOK_SECRET}) as r:
                assert r.status == 400
            async with http.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as r:
                assert r.status == 200
        reply, = await emulator.wait_for_replies(ALICE.id, 1, timeout=30)
        assert "Fargo (1996)" in reply.text
    finally:
        stderr = await stop_bot(process)
    assert process.returncode == 0, stderr
    assert emulator.token not in stderr
    assert _ratings(database_url, ALICE.id) == {FARGO: 5.0}


async def test_a_webhook_update_confirmed_by_a_process_that_died_is_handled_at_the_next_start(
        emulator: BotApiEmulator, database_url: str, tmp_path: Path) -> None:  # noqa: F811
    # The dead process answered Telegram 200 (so Telegram will not send it again) and stored the update,
    # then was killed before handling it; the new process finds it in the inbox.
    update = {"update_id": 5, "message": {"message_id": 5, "date": 1_800_000_000, "text": "Fargo 4",
                                          "chat": {"id": ALICE.id, "type": "private"}, "from": ALICE.as_json()}}
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        inbox.store_updates(session, [(5, json.dumps(update))])
        session.execute(sql_update(PendingUpdate).values(received_at=utcnow() - timedelta(minutes=10)))
    engine.dispose()
    process = await start_webhook_bot(emulator, database_url, tmp_path, free_port())
    try:
        reply, = await emulator.wait_for_replies(ALICE.id, 1, timeout=30)
        assert "Fargo (1996)" in reply.text
    finally:
        stderr = await stop_bot(process)
    assert process.returncode == 0, stderr
    assert _ratings(database_url, ALICE.id) == {FARGO: 4.0}
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        assert inbox.pending_updates(session) == []  # handled, then deleted
    engine.dispose()


def _ratings(database_url: str, user_id: int) -> dict[int, float]:
    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        ratings = access.get_ratings(session, user_id)
    engine.dispose()
    return ratings

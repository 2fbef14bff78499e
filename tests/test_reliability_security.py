"""Security and privacy: the token stays out of logs and replies, admin commands stay hidden, /forget
leaves nothing behind, and nothing untrusted is unpickled or loaded from outside the artifacts folder.

Webhook mode's secret header is proven by
``tests/test_bot_process.py::test_webhook_mode_checks_the_secret_on_every_request`` (no header and a
wrong header get 403 from the real ``python -m bot --webhook`` process).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from movierec.artifacts import ArtifactsUnavailable, latest_version_dir
from movierec.serving import Recommender
from tests.bot_support import (ADMIN_ID, ALICE, BOB, RunningBot, Served, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.emulator import BotApiEmulator, TgUser
from tests.reliability_support import assert_no_errors, exchange, fill_every_table, rows_about
from tests.test_bot_e2e import press
from tests.test_bot_process import (REPO, SECRET_HEADER, WEBHOOK_SECRET, bot_environment, free_port,
                                    start_webhook_bot, stop_bot, wait_until_listening)

pytestmark = pytest.mark.realdata
ADMIN = TgUser(id=ADMIN_ID, first_name="Admin")


async def test_a_debug_run_never_logs_or_sends_the_token(emulator: BotApiEmulator, database_url: str,
                                                         tmp_path: Path) -> None:
    env = bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN=emulator.token, TELEGRAM_API_URL=emulator.url,
                          BOT_ADMIN_IDS=str(ADMIN_ID))
    env["LOG_LEVEL"] = "DEBUG"
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        await emulator.send_text(ALICE, "Fargo 5")
        (card,) = await emulator.wait_for_replies(ALICE.id, 1, timeout=60)
        query_id = await emulator.press_button(ALICE, card, "1|r|forged")
        await emulator.wait_for_callback_answer(query_id)
        for text in ("/recommend 2", "/stats", "/nosuchcommand"):
            await emulator.send_text(ALICE, text)
        await emulator.send_text(ADMIN, "/stats")
        (stats,) = await emulator.wait_for_replies(ADMIN.id, 1, timeout=30)
        assert "Mode: non-personal fallback" in stats.text
    finally:
        process.send_signal(signal.SIGTERM)
        await emulator.wake_pollers()
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    log = output.decode()
    assert process.returncode == 0, log[-3000:]
    assert " DEBUG " in log and "getUpdates" in log  # it really logged at DEBUG, Bot API calls included
    secret_half = emulator.token.split(":", 1)[1]
    assert emulator.token not in log and secret_half not in log
    sent = json.dumps([params for _, params in emulator.calls], ensure_ascii=False)
    assert secret_half not in sent  # nor in any reply, toast or button


async def test_a_debug_webhook_run_never_logs_the_secret_or_the_token(emulator: BotApiEmulator, database_url: str,
                                                                      tmp_path: Path) -> None:
    port = free_port()
    process = await start_webhook_bot(emulator, database_url, tmp_path, port, LOG_LEVEL="DEBUG")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1_800_000_000, "text": "Fargo 5",
                                          "chat": {"id": ALICE.id, "type": "private"}, "from": ALICE.as_json()}}
    try:
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/hook"
            assert await wait_until_listening(http, url, update) == 403  # a wrong secret is refused, and logged
            async with http.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as response:
                assert response.status == 200
        (reply,) = await emulator.wait_for_replies(ALICE.id, 1, timeout=30)
        assert "Fargo (1996)" in reply.text
    finally:
        log = await stop_bot(process)
    assert process.returncode == 0, log[-3000:]
    assert " DEBUG " in log and "setWebhook" in log  # it really logged at DEBUG, the call carrying the secret included
    assert WEBHOOK_SECRET not in log and emulator.token.split(":", 1)[1] not in log
    assert emulator.webhook["secret_token"] == WEBHOOK_SECRET  # what Telegram was given is the real secret


async def test_a_rejected_token_is_a_clear_error_without_the_token(database_url: str, tmp_path: Path) -> None:
    server = BotApiEmulator()  # it answers 401 to any other token, as Telegram does
    await server.start()
    wrong = "654321:WRONG-secret_token-value"
    env = bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN=wrong, TELEGRAM_API_URL=server.url)
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await server.stop()
    log = output.decode()
    assert process.returncode == 1
    assert log.rstrip().endswith("Telegram rejected TELEGRAM_BOT_TOKEN: check the token @BotFather gave you.")
    assert "WRONG-secret_token-value" not in log


@pytest.mark.parametrize("command", ["stats", "reload", "STATS", "Reload", "stats@movierec_test_bot"])
async def test_admin_commands_answer_non_admins_like_unknown_commands(running_bot: RunningBot, command: str,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    name, at, bot = command.partition("@")
    (admin_only,) = await exchange(running_bot, ALICE, f"/{command}")
    (unknown,) = await exchange(running_bot, ALICE, f"/zzzz{at}{bot}")
    assert admin_only.text == unknown.text.replace("zzzz", name)
    assert admin_only.buttons == unknown.buttons == []
    assert_no_errors(caplog)
    (stats,) = await exchange(running_bot, ADMIN, f"/{command}")
    assert "I don't know the command" not in stats.text  # the same command works for an admin


async def test_forget_deletes_every_row_about_the_user_and_no_one_else(running_bot: RunningBot,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    for user in (ALICE, BOB):
        await fill_every_table(running_bot, user)
    alice_before, bob_before = rows_about(running_bot, ALICE.id), rows_about(running_bot, BOB.id)
    assert {"users", "ratings", "dismissals", "watchlist", "messages", "impressions"} <= alice_before.keys()
    assert all(alice_before.values()), alice_before  # every table holds something about Alice
    (question,) = await exchange(running_bot, ALICE, "/forget")
    (done,) = await press(running_bot, ALICE, question, question.button("Yes, delete"))
    assert "everything about you is deleted" in done.text
    await asyncio.sleep(0.2)  # nothing the bot does after the goodbye may write about her again
    assert set(rows_about(running_bot, ALICE.id).values()) == {0}
    assert rows_about(running_bot, BOB.id) == bob_before
    assert_no_errors(caplog)


PACKAGES = ("bot", "db", "movierec", "scripts")
UNSAFE_LOADING = re.compile(r"\bimport pickle\b|\bpickle\.(?:loads?|Unpickler)\b|allow_pickle\s*=\s*True"
                            r"|\bjoblib\b|\bdill\b|cloudpickle|\bshelve\b|\bmarshal\b|read_pickle|torch\.load"
                            r"|yaml\.load\(|yaml\.unsafe_load"
                            r"|safe_mode\s*=\s*False|(?<![\w.])eval\(|(?<![\w.])exec\(")


def test_no_source_file_unpickles_or_evaluates_anything() -> None:
    sources = [path for package in PACKAGES for path in (REPO / package).rglob("*.py")]
    assert len(sources) > 20
    offending = [f"{path.relative_to(REPO)}:{number}: {line.strip()}" for path in sources
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if UNSAFE_LOADING.search(line)]
    assert offending == []
    assert all(UNSAFE_LOADING.search(bad) for bad in ("np.load(path, allow_pickle=True)", "pickle.load(f)",
                                                       "import pickle", "model = eval(text)"))


@pytest.fixture
def published(tmp_path: Path, served: Served) -> Path:
    """An artifacts folder holding one trained version (EASE)."""
    root = tmp_path / "artifacts"
    served.publish_personal(root)
    return root


def test_latest_cannot_point_outside_the_artifacts_folder(published: Path, tmp_path: Path) -> None:
    genuine = latest_version_dir(published)
    shutil.copytree(genuine, tmp_path / "planted")
    manifest = json.loads((tmp_path / "planted" / "manifest.json").read_text())
    (tmp_path / "planted" / "manifest.json").write_text(json.dumps({**manifest, "version": "planted"}))
    (published / "LATEST").write_text("../planted\n")
    assert Recommender.load(published).version == genuine.name  # the planted version is never read


@pytest.mark.parametrize("escape", ["relative folder", "symlinked folder"])
def test_model_files_are_only_read_inside_their_version(published: Path, tmp_path: Path, escape: str) -> None:
    version = latest_version_dir(published)
    outside = tmp_path / "outside"
    shutil.move(version / "retrieval", outside)
    manifest_path = version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if escape == "relative folder":
        manifest["models"]["retrieval"]["folder"] = "../../outside"
        manifest_path.write_text(json.dumps(manifest))
    else:
        (version / "retrieval").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ArtifactsUnavailable, match="outside"):
        Recommender.load(published)

"""Faults the bot must survive: 50 users at once, broken or half-written model artifacts, and a
database or Telegram it cannot reach at start-up. Crashes and shutdowns are in
``test_reliability_crash.py``."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.app import build_services
from bot.conversation import RecommenderHolder
from db import access
from db.migrate import upgrade_database
from movierec.artifacts import LATEST_FILE, MANIFEST_FILE, building_version, latest_version_dir
from movierec.serving import Catalog, load_recommender
from tests.bot_support import (ADMIN_ID, ALICE, RunningBot, Served, data_dir, database_url, emulator,  # noqa: F401
                               make_settings, migrated_database, polling_bot, running_bot, served, services)
from tests.emulator import BotApiEmulator, TgUser
from tests.reliability_support import assert_no_errors, exchange
from tests.test_bot_e2e import stored_ratings
from tests.test_bot_process import bot_environment

pytestmark = pytest.mark.realdata
ADMIN = TgUser(id=ADMIN_ID, first_name="Admin")
USERS = 50
WAVES = (("Fargo 5", {100: 5.0}), ("Heat 4, Casablanca 3", {273: 4.0, 483: 3.0}), ("Toy Story 2", {1: 2.0}))


async def test_fifty_users_rating_at_the_same_moment(running_bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    users = [TgUser(id=400_000 + i, first_name=f"Rater{i}") for i in range(USERS)]
    for text, _ in WAVES:  # every message of every user is queued before the bot fetches any
        for user in users:
            await running_bot.emulator.send_text(user, text)
    expected = {movie: value for _, ratings in WAVES for movie, value in ratings.items()}
    for user in users:
        replies = await running_bot.emulator.wait_for_replies(user.id, len(WAVES), timeout=60)
        assert all("✓" in reply.text and "locked" not in reply.text.lower() for reply in replies)
        assert stored_ratings(running_bot, user) == expected
    with running_bot.sessions().begin() as session:
        assert access.stats(session).ratings == USERS * len(expected)  # exact: nothing lost, nothing doubled
    assert_no_errors(caplog)


async def test_a_failing_get_updates_is_retried_and_no_update_is_lost(running_bot: RunningBot,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    emulator = running_bot.emulator
    polls = emulator.methods_called().count("getUpdates")
    emulator.refused_methods.add("getUpdates")  # Telegram answers errors for a while
    for _ in range(500):
        if emulator.methods_called().count("getUpdates") >= polls + 2:  # the bot has met the error
            break
        await asyncio.sleep(0.01)
    await emulator.send_text(ALICE, "Fargo 5")
    await asyncio.sleep(0.2)
    emulator.refused_methods.clear()
    (reply,) = await emulator.wait_for_replies(ALICE.id, 1, timeout=30)
    assert "Fargo (1996)" in reply.text and stored_ratings(running_bot, ALICE) == {100: 5.0}
    assert any("getUpdates failed" in r.getMessage() for r in caplog.records)
    assert_no_errors(caplog)


def _cut(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _edit_json(path: Path, edit: Callable[[Any], Any]) -> None:
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))


def _edit_manifest(root: Path, **changes: Any) -> None:
    """Change manifest fields; a change to None removes the field."""
    _edit_json(latest_version_dir(root) / MANIFEST_FILE, lambda manifest: {
        key: value for key, value in {**manifest, **changes}.items() if value is not None})


def _drop_last_movies(catalog: dict[str, Any]) -> dict[str, Any]:
    return {**catalog, "movies": catalog["movies"][:-10]}


def _cut_a_weight_column(root: Path) -> None:
    """Weights that load but have the wrong shape (one column short), as a mixed-up version would."""
    path = next((latest_version_dir(root) / "retrieval").glob("*.npz"))
    with np.load(path) as stored:
        arrays = dict(stored)
    np.savez(path, **{**arrays, "weights": arrays["weights"][:, :-1]})


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "missing folder": lambda root: None,
    "empty folder": lambda root: root.mkdir(),
    "truncated manifest": lambda root: _cut(latest_version_dir(root) / MANIFEST_FILE),
    "truncated catalog": lambda root: _cut(latest_version_dir(root) / "catalog.json"),
    "truncated weights": lambda root: _cut(next((latest_version_dir(root) / "retrieval").glob("*.npz"))),
    "incompatible format": lambda root: _edit_manifest(root, format=999),
    "only a half-written version": lambda root: (
        latest_version_dir(root).rename(root / ".building-crashed"), (root / LATEST_FILE).unlink()),
    "manifest without a version": lambda root: _edit_manifest(root, version=None),
    "models given as a string": lambda root: _edit_manifest(root, models="retrieval"),
    "a retrieval entry that is a number": lambda root: _edit_manifest(root, models={"retrieval": 5}),
    "catalog that is an empty list": lambda root: (latest_version_dir(root) / "catalog.json").write_text("[]"),
    "catalog with fewer movies than the model": lambda root: _edit_json(
        latest_version_dir(root) / "catalog.json", _drop_last_movies),
    "weights of the wrong shape": _cut_a_weight_column,
}
PUBLISHED_FIRST = set(CORRUPTIONS) - {"missing folder", "empty folder"}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
async def test_broken_artifacts_mean_fallback_mode_logged_and_shown_in_stats(
        corruption: str, tmp_path: Path, database_url: str, served: Served, emulator: BotApiEmulator,
        caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "artifacts"
    if corruption in PUBLISHED_FIRST:
        served.publish_personal(root)
    CORRUPTIONS[corruption](root)
    caplog.set_level(logging.WARNING)
    holder = RecommenderHolder(load_recommender(root, data_dir()))
    assert holder.current.is_fallback
    assert any(r.levelno == logging.WARNING and "serving non-personal picks only" in r.getMessage()
               for r in caplog.records)
    services = build_services(make_settings(database_url), holder, matcher=served.matcher)
    async with polling_bot(emulator, services) as bot:
        (stats,) = await exchange(bot, ADMIN, "/stats")
        assert "Mode: non-personal fallback (no trained artifacts)" in stats.text
        header, *_ = await exchange(bot, ADMIN, "/recommend 2")
        assert "isn't available right now" in header.text  # users are told, too
    assert_no_errors(caplog)


async def test_retraining_while_serving_never_exposes_a_half_written_model(
        tmp_path: Path, database_url: str, served: Served, emulator: BotApiEmulator) -> None:
    root = tmp_path / "artifacts"
    first = served.publish_personal(root)
    holder = RecommenderHolder(load_recommender(root, data_dir()), loader=lambda: load_recommender(root, data_dir()))
    services = build_services(make_settings(database_url), holder, matcher=served.matcher)
    manifest = {"models": {"retrieval": {"class": "movierec.models.ease:EaseModel", "folder": "retrieval"}}}
    async with polling_bot(emulator, services) as bot:
        with building_version(root, manifest) as staged:  # training is writing the next version…
            (staged.folder / "catalog.json").write_text('{"movies": [')
            (reply,) = await exchange(bot, ADMIN, "/reload")  # …while an admin reloads
            assert first in reply.text and holder.current.version == first
            served.personal.retrieval.save(staged.folder / "retrieval")
            Catalog(served.personal.catalog).save(staged.folder)
        (reply,) = await exchange(bot, ADMIN, "/reload")
        assert staged.version in reply.text and holder.current.version == staged.version


def _read_only_database(tmp_path: Path) -> str:
    path = tmp_path / "read-only.sqlite3"
    sqlite3.connect(path).close()
    return f"sqlite:///file:{path}?mode=ro&uri=true"  # SQLite refuses writes even for root


def _database_from_a_newer_release(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'newer.sqlite3'}"
    upgrade_database(url)
    with sqlite3.connect(tmp_path / "newer.sqlite3") as connection:  # as a later release's migration leaves it
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    return url


BAD_DATABASES: dict[str, tuple[Callable[[Path], str], str]] = {  # the URL, and what the one line says
    "not a URL": (lambda tmp_path: "this is not a database url", "not a database URL"),
    "no colon-slashes after the kind": (lambda tmp_path: "postgresql+psycopg//bot:hunter2@host/db",
                                        "not a database URL"),
    "a port that is not a number": (lambda tmp_path: "postgresql+psycopg://bot:hunter2@127.0.0.1:notaport/db",
                                    "not a database URL"),
    "an unclosed IPv6 bracket": (lambda tmp_path: "postgresql://bot:hunter2@[::1/db", "not a database URL"),
    "unknown kind": (lambda tmp_path: "nosuchdb://bot:hunter2@host/db", "cannot use database nosuchdb://"),
    "an unreadable SQLite option": (lambda tmp_path: "sqlite:///x.db?mode=ro&uri=bad", "cannot use database"),
    "in-memory SQLite": (lambda tmp_path: "sqlite://", "sqlite:// is an in-memory SQLite database"),
    "closed PostgreSQL port": (lambda tmp_path: "postgresql+psycopg://bot:hunter2@127.0.0.1:1/movierec",
                               "cannot open database"),
    "read-only SQLite file": (_read_only_database, "cannot open database"),
    "SQLite below a regular file": (lambda tmp_path: (
        (tmp_path / "a-file").write_text("x"), f"sqlite:///{tmp_path / 'a-file' / 'db.sqlite3'}")[1],
        "cannot use database"),
    "a schema from a newer release": (_database_from_a_newer_release,
                                      "the database schema is newer than this release"),
}


async def test_an_unusable_database_at_start_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    async def start(name: str, url_of: Callable[[Path], str]) -> tuple[str, int | None, str]:
        folder = tmp_path / name.replace(" ", "-")
        folder.mkdir()
        env = bot_environment(url_of(folder), folder, TELEGRAM_BOT_TOKEN="123:never-used")
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=folder, env=env,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), 90)
        return name, process.returncode, output.decode()

    results = await asyncio.gather(*(start(name, url_of) for name, (url_of, _) in BAD_DATABASES.items()))
    for name, returncode, output in results:
        assert returncode == 1, (name, output)
        last_line = output.strip().splitlines()[-1]
        assert last_line.startswith("Database unavailable: ") and BAD_DATABASES[name][1] in last_line, (name, output)
        assert "Traceback" not in output and "hunter2" not in output, (name, output)


START_FAILURES = {  # (extra environment, the one last line's start)
    "unreachable Telegram": ({"TELEGRAM_API_URL": "http://127.0.0.1:9"},  # the discard port: nothing listens
                             "Cannot reach the Telegram Bot API at http://127.0.0.1:9"),
    "no models and no MovieLens": ({"MOVIEREC_DATA_DIR": "/nonexistent/ml-100k"}, "No movies to serve: "),
}


@pytest.mark.parametrize("failure", list(START_FAILURES))
async def test_other_start_up_failures_are_one_clear_line_and_exit_1(failure: str, database_url: str,
                                                                     tmp_path: Path) -> None:
    extra, last_line = START_FAILURES[failure]
    env = {**bot_environment(database_url, tmp_path, TELEGRAM_BOT_TOKEN="123:secret-token",
                             TELEGRAM_API_URL="http://127.0.0.1:9"), **extra}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = (await asyncio.wait_for(process.communicate(), 90))[0].decode()
    assert process.returncode == 1
    assert output.strip().splitlines()[-1].startswith(last_line), output
    assert "Traceback" not in output and "secret-token" not in output

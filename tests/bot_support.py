"""Shared fixtures of the bot tests: the served catalog (built once), a fresh SQLite per test, the
Bot API emulator, and the real Application polling it.

The bot tests need the real MovieLens 100k files (titles such as "Alien 3" only mean something against
the real catalog); they skip with a clear reason when ``MOVIEREC_DATA_DIR`` is unset or missing.
Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from telegram.ext import Application

from bot.app import Services, build_application, build_services
from bot.conversation import Conversation, RecommenderHolder
from bot.matching import TitleMatcher
from bot.polling import poll, running
from bot.settings import Settings
from bot.understanding import MessageUnderstanding
from db.engine import make_session_factory
from db.migrate import upgrade_database
from movierec.artifacts import building_version
from movierec.serving import Catalog, Recommender
from tests.emulator import BotApiEmulator, TgUser

ADMIN_ID = 900_001
ALICE = TgUser(id=100_001, first_name="Alice", username="alice")
BOB = TgUser(id=100_002, first_name="Bob <&> Co")  # a name that must be escaped


def data_dir() -> Path:
    """The MovieLens 100k folder, or skip the test with the reason."""
    value = os.environ.get("MOVIEREC_DATA_DIR")
    if not value:
        pytest.skip("MOVIEREC_DATA_DIR is not set: the bot tests need the MovieLens 100k files "
                    "(e.g. MOVIEREC_DATA_DIR=/work/shared/data/ml-100k)")
    path = Path(value)
    if not (path / "u.data").is_file() and not (path / "u.item").is_file():
        pytest.skip(f"MOVIEREC_DATA_DIR={value} holds no MovieLens 100k files")
    return path


@dataclass(frozen=True)
class Served:
    """What the bot serves, shared by every test of the session (read-only)."""

    fallback: Recommender
    personal: Recommender
    """Trained EASE over the same catalog (closed form: about a second), for personal picks."""
    matcher: TitleMatcher

    def publish_personal(self, artifacts_dir: Path) -> str:
        """Write the EASE recommender as a trained artifacts version, as training would; returns its name."""
        manifest = {"models": {"retrieval": {"class": "movierec.models.ease:EaseModel", "folder": "retrieval"}}}
        with building_version(artifacts_dir, manifest) as staged:
            Catalog(self.personal.catalog).save(staged.folder)
            self.personal.retrieval.save(staged.folder / "retrieval")
        return staged.version


@pytest.fixture(scope="session")
def served() -> Served:
    from movierec.data.loaders import load_movielens
    from movierec.models.ease import EaseModel

    movielens = load_movielens(data_dir())
    fallback = Recommender.fallback(movielens)
    ease = EaseModel()
    ease.fit(movielens.ratings, movielens.movies)
    personal = Recommender(Catalog(movielens.movies, movielens.merged_ids), retrieval=ease, version="test-ease")
    return Served(fallback, personal, TitleMatcher(fallback.catalog))


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it instead of running the migrations again."""
    path = tmp_path_factory.mktemp("template") / "movierec.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(tmp_path: Path, migrated_database: Path) -> str:
    path = tmp_path / "bot.sqlite3"
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


def make_settings(database_url: str, api_url: str = "http://127.0.0.1:9", token: str | None = None) -> Settings:
    return Settings(telegram_bot_token=token, telegram_api_url=api_url, database_url=database_url,
                    admin_ids=frozenset({ADMIN_ID}))


@pytest.fixture
def services(database_url: str, served: Served) -> Iterator[Services]:
    """Services over a fresh database, serving the personal (EASE) recommender."""
    built = build_services(make_settings(database_url), RecommenderHolder(served.personal), matcher=served.matcher)
    yield built
    built.engine.dispose()


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return services.conversation


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def make_conversation(services: Services, served: Served, holder: RecommenderHolder | None = None,
                      clock: Callable[[], float] = time.time) -> Conversation:
    """A conversation over the test's database with its own recommender holder or clock."""
    return Conversation(session_factory(services.engine), holder or services.holder,
                        MessageUnderstanding(served.matcher), {ADMIN_ID}, matcher=served.matcher, clock=clock)


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    server = BotApiEmulator()
    await server.start()
    yield server
    await server.stop()


@dataclass
class RunningBot:
    application: Application
    emulator: BotApiEmulator
    services: Services

    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.services.engine)


@pytest.fixture
async def running_bot(emulator: BotApiEmulator, services: Services) -> AsyncIterator[RunningBot]:
    """The real Application, long-polling the emulator in this test's event loop."""
    async with polling_bot(emulator, services) as bot:
        yield bot


@asynccontextmanager
async def polling_bot(emulator: BotApiEmulator, services: Services) -> AsyncIterator[RunningBot]:
    """Run the real Application over ``services`` (for tests that build their own, e.g. a fallback model)."""
    settings = make_settings("unused: services are built", emulator.url, emulator.token)
    application = build_application(settings, services)
    async with running(application):  # the polling loop of ``python -m bot``, in this test's event loop
        stop = asyncio.Event()
        polling = asyncio.create_task(poll(application, session_factory(services.engine), stop, timeout=1))
        try:
            yield RunningBot(application, emulator, services)
        finally:
            stop.set()
            await polling

"""Tests of db.engine, and the database fixtures the other test_db_* modules import.

Every database test runs on a SQLite file in tmp_path and, when MOVIEREC_TEST_POSTGRES_URL names a
PostgreSQL server (``. scripts/ci_postgres.sh`` starts one), again on a fresh database on that server.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import DatabaseUnavailableError, make_engine, make_session_factory
from db.migrate import upgrade_database
from db.models import User

POSTGRES_URL_VARIABLE = "MOVIEREC_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a new database on the PostgreSQL test server (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'movierec.sqlite3'}"
        return
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database on the PostgreSQL test server (dropped after); skips when there is none."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is unset; source scripts/ci_postgres.sh to test on PostgreSQL")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"movierec_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def session_factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on a database that the migrations brought to the latest schema."""
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_sqlite_engine_creates_the_folder_and_sets_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        settings = {
            pragma: connection.exec_driver_sql(f"PRAGMA {pragma}").scalar_one()
            for pragma in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    engine.dispose()
    assert path.is_file()
    assert settings == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10_000}


def test_datetimes_come_back_aware_and_in_utc(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    seen = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    with make_session_factory(engine).begin() as session:
        session.add(User(id=1, chat_id=1, created_at=seen, last_seen_at=seen))
    with Session(engine) as session:
        stored = session.get_one(User, 1).last_seen_at
    engine.dispose()
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == seen and stored.hour == 10
    assert stored.tzinfo == UTC


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    with pytest.raises(StatementError, match="naive datetime"):
        with make_session_factory(engine).begin() as session:
            session.add(User(id=1, chat_id=1, last_seen_at=datetime(2026, 1, 1)))
    engine.dispose()


def test_a_nonsense_url_is_a_one_line_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="not a database URL") as caught:
        make_engine("this is not a url")
    assert "\n" not in str(caught.value)


def test_an_unknown_database_kind_is_a_one_line_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="cannot use database nosuchdb://") as caught:
        make_engine("nosuchdb://host/name")
    assert "\n" not in str(caught.value)


def test_a_closed_postgresql_port_is_a_one_line_error_without_the_password() -> None:
    with pytest.raises(DatabaseUnavailableError, match="cannot open database") as caught:
        make_engine("postgresql+psycopg://bot:secret@127.0.0.1:1/movierec")
    message = str(caught.value)
    assert "\n" not in message and "secret" not in message and "refused" in message.lower()


@pytest.mark.parametrize("url, secrets", [
    ("postgresql+psycopg//bot:hunter2@host/db", ["hunter2"]),  # no "://": SQLAlchemy cannot parse it at all
    ("postgresql+psycopg://bot:hunter2@127.0.0.1:notaport/db", ["hunter2"]),
    ("postgresql://bot:hunter2@[::1/db", ["hunter2"]),
    ("postgresql://bot:hun@ter:2@127.0.0.1:notaport/db", ["hun", "ter:2"]),  # '@' and ':' inside the password
    ("nosuchdb://bot:hunter2@host/db", ["hunter2"]),
    ("sqlite:///x.db?mode=ro&uri=bad", []),
])
def test_a_malformed_url_is_a_one_line_error_without_the_password(url: str, secrets: list[str]) -> None:
    with pytest.raises(DatabaseUnavailableError, match="not a database URL|cannot use database") as caught:
        make_engine(url)
    message = str(caught.value)
    assert "\n" not in message and not [secret for secret in secrets if secret in message], message


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true",
                                 "sqlite:///file:shared?mode=memory&cache=shared&uri=true"])
def test_in_memory_sqlite_is_refused(url: str) -> None:
    # Each connection would see its own empty database: the migrations' tables vanish with theirs.
    with pytest.raises(DatabaseUnavailableError, match="is an in-memory SQLite database: .* use a file"):
        make_engine(url)


def test_a_sqlite_file_below_a_regular_file_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailableError, match="cannot use database") as caught:
        make_engine(f"sqlite:///{blocker / 'movierec.sqlite3'}")
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; the read-only file test covers it")
def test_a_sqlite_file_in_a_read_only_folder_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(DatabaseUnavailableError, match="cannot open database") as caught:
            make_engine(f"sqlite:///{folder / 'movierec.sqlite3'}")
    finally:
        folder.chmod(0o755)
    assert "\n" not in str(caught.value)


def test_a_read_only_sqlite_database_is_refused_at_start_up(tmp_path: Path) -> None:
    path = tmp_path / "movierec.sqlite3"
    sqlite3.connect(path).close()
    # mode=ro makes SQLite itself refuse writes, which holds even for root (unlike file permissions).
    with pytest.raises(DatabaseUnavailableError, match="readonly") as caught:
        make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert "\n" not in str(caught.value)

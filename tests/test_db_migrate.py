"""Tests of db.migrate: Alembic builds the schema the ORM models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from db.engine import DatabaseUnavailableError, make_engine
from db.migrate import alembic_config, upgrade_database
from db.models import Base
from tests.test_db_engine import database_url  # noqa: F401  (pytest fixture)


def _state(url: str) -> tuple[str | None, set[str], list[object]]:
    """(current revision, table names, differences between the database and the ORM metadata)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return (
                context.get_current_revision(),
                set(inspect(connection).get_table_names()),
                compare_metadata(context, Base.metadata),
            )
    finally:
        engine.dispose()


def test_upgrade_builds_the_schema_of_the_models_and_is_idempotent(database_url: str) -> None:  # noqa: F811
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    upgrade_database(database_url)
    revision, tables, differences = _state(database_url)
    assert revision == head is not None
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    assert differences == []

    upgrade_database(database_url)  # already at head: nothing to do, nothing breaks
    assert _state(database_url) == (revision, tables, [])


def test_downgrade_to_base_and_back_up(database_url: str) -> None:  # noqa: F811
    upgrade_database(database_url)
    _alembic(database_url, command.downgrade, "base")
    assert _state(database_url)[1] == {"alembic_version"}
    upgrade_database(database_url)
    assert _state(database_url)[2] == []


def test_0003_adds_the_update_inbox_to_an_existing_database(database_url: str) -> None:  # noqa: F811
    _alembic(database_url, command.upgrade, "0002")
    assert "pending_updates" not in _state(database_url)[1]
    upgrade_database(database_url)
    revision, tables, differences = _state(database_url)
    assert revision == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert "pending_updates" in tables and differences == []


def test_0004_keeps_the_shown_movies_and_gives_them_no_list(database_url: str) -> None:  # noqa: F811
    rows = _upgraded_from("0003", database_url, [
        "INSERT INTO users (id, chat_id, first_name, created_at, last_seen_at, pending_questions) "
        "VALUES (1, 1, 'A', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')",
        "INSERT INTO impressions (user_id, movie_id, rank, model_version, context, created_at) "
        "VALUES (1, 50, 1, 'm', 'recommend', CURRENT_TIMESTAMP)",
    ], "SELECT movie_id, list_id FROM impressions")
    assert rows == [(50, None)] and _state(database_url)[2] == []


def _alembic(database_url: str, step: Callable[[Config, str], None], revision: str) -> None:
    """Run an Alembic upgrade/downgrade to ``revision`` on the database, in one transaction."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            step(config, revision)
    finally:
        engine.dispose()


def test_0005_starts_existing_users_in_question_round_0(database_url: str) -> None:  # noqa: F811
    rows = _upgraded_from("0004", database_url, [
        "INSERT INTO users (id, chat_id, first_name, created_at, last_seen_at) "
        "VALUES (7, 7, 'Old', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    ], "SELECT question_round FROM users WHERE id = 7")
    assert rows == [(0,)]


def _upgraded_from(revision: str, database_url: str, inserts: list[str], query: str) -> list[tuple]:
    """Rows of ``query`` after a database at ``revision``, holding the rows of ``inserts``, is upgraded
    to the latest revision."""
    _alembic(database_url, command.upgrade, revision)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            for insert in inserts:
                connection.execute(text(insert))
        upgrade_database(database_url)
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query)).all()]
    finally:
        engine.dispose()


def test_upgrade_does_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    upgrade_database("sqlite:///var/movierec.sqlite3")  # the default URL's shape: relative to the cwd
    assert (tmp_path / "var" / "movierec.sqlite3").is_file()
    revision, _, differences = _state(f"sqlite:///{tmp_path / 'var' / 'movierec.sqlite3'}")
    assert revision is not None and differences == []


def test_upgrade_of_an_unreachable_database_is_a_one_line_error() -> None:
    with pytest.raises(DatabaseUnavailableError) as caught:
        upgrade_database("postgresql+psycopg://bot@127.0.0.1:1/movierec")
    assert "\n" not in str(caught.value)


def test_a_schema_from_a_newer_release_is_refused_in_one_line_and_left_alone(database_url: str) -> None:  # noqa: F811
    upgrade_database(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:  # as a later release's migration leaves it
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    with pytest.raises(DatabaseUnavailableError, match="the database schema is newer than this release") as caught:
        upgrade_database(database_url)
    assert "\n" not in str(caught.value) and "9999_from_the_future" in str(caught.value)
    assert _state(database_url)[0] == "9999_from_the_future"

"""Engine and session factory for SQLite (the default, one file) and PostgreSQL (psycopg 3).

SQLite needs care to behave under a bot that writes from many tasks and threads at once: WAL so readers
never block the writer, foreign keys switched on (they are off by default, and cascading deletes rely on
them), a busy timeout so writers queue instead of failing with "database is locked", and transactions
opened with BEGIN IMMEDIATE (see ``_begin_immediate``).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///var/movierec.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 10
# "user:password@" in a URL. A scheme's colon is followed by "//", so "postgresql://" itself never matches.
_CREDENTIALS = re.compile(r"[^\s'\"/@:]*:(?!//)[^\s'\"]*@")


class DatabaseUnavailableError(RuntimeError):
    """The database URL is malformed, or the database cannot be reached or written to.

    The message is one line, fit to print at start-up instead of a traceback.
    """

    def __init__(self, message: str) -> None:
        # Masked here, once for every message: some quote a URL too malformed for SQLAlchemy to parse
        # and hide its password, and a driver's error text may repeat what it was given.
        super().__init__(mask_credentials(message))


def mask_credentials(text: str) -> str:
    """``text`` with every ``user:password@`` in it replaced by ``***@``."""
    return _CREDENTIALS.sub("***@", text)


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` and check that the database is reachable and writable.

    Raises ``DatabaseUnavailableError`` with a one-line reason when it is not.
    """
    parsed = _parse_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if _is_in_memory_sqlite(parsed):  # it would pass every check below and then lose the schema
        raise DatabaseUnavailableError(
            f"{url} is an in-memory SQLite database: every connection would get its own empty copy, and all "
            "ratings would vanish at exit; use a file such as sqlite:///var/movierec.sqlite3")
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _make_sqlite_engine(parsed)
        else:
            engine = _make_server_engine(parsed)
    except (ArgumentError, NoSuchModuleError, ImportError, OSError,
            ValueError) as error:  # ValueError: a query option SQLAlchemy cannot read, such as uri=bad
        raise DatabaseUnavailableError(f"cannot use database {shown}: {error_summary(error)}") from error
    try:
        with engine.begin() as connection:
            _check_writable(connection)
    except SQLAlchemyError as error:
        engine.dispose()
        raise DatabaseUnavailableError(f"cannot open database {shown}: {error_summary(error)}") from error
    logger.info("using database %s", shown)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The application's one session factory; use it as ``with factory.begin() as session:``.

    Objects stay usable after commit (``expire_on_commit=False``) so a handler can read a returned
    ``User`` after its transaction has ended without another round trip.
    """
    return sessionmaker(engine, expire_on_commit=False)


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except (ArgumentError, ValueError) as error:  # ValueError: a port that is not a number
        raise DatabaseUnavailableError(f"not a database URL: {url!r} ({error_summary(error)})") from error


def _is_in_memory_sqlite(url: URL) -> bool:
    """``sqlite://``, ``sqlite:///:memory:`` or a URI naming a memory database."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    if database in ("", ":memory:"):
        return True
    return bool(url.query.get("uri")) and (database.startswith("file::memory:") or url.query.get("mode") == "memory")


def _make_sqlite_engine(url: URL) -> Engine:
    if not url.query.get("uri"):  # a plain path (in-memory databases are refused before); a URI is left as given
        Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Take transaction control away from the sqlite3 module: it would not BEGIN before SELECT or
    # SAVEPOINT, which breaks isolation and nested transactions. ``_begin_immediate`` begins instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL loses no committed data on an application crash and saves an fsync per commit.
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    # A deferred transaction that reads first and writes later fails at once with "database is locked"
    # when another writer committed in between (the busy timeout does not apply to that upgrade).
    # Taking the write lock at BEGIN makes concurrent writers wait their turn instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _check_writable(connection: Connection) -> None:
    """Fail now, at start-up, rather than at the first user's first rating."""
    if connection.dialect.name == "sqlite":
        # Opening a read-only SQLite file succeeds and reads work; only a write shows the problem.
        # Writing back the unused user_version header field is a write that changes nothing.
        version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    else:
        connection.execute(text("SELECT 1"))


def _make_server_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    # pre_ping: a long-running bot outlives server restarts and idle-connection reaping.
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def error_summary(error: BaseException) -> str:
    """The first line of the driver's own message (SQLAlchemy wraps it in a multi-line text)."""
    original = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    return lines[0] if lines else type(original).__name__

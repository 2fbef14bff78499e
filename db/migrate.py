"""Bring a database's schema up to date with the Alembic migrations shipped in this package.

The bot and the scripts call ``upgrade_database`` at start-up, so a fresh install creates its tables and an
old database gets the new ones; the migration scripts are found next to this module, never through the
current working directory.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from db.engine import DatabaseUnavailableError, error_summary, make_engine

logger = logging.getLogger(__name__)

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def alembic_config() -> Config:
    """The Alembic configuration of this package (script location resolved from the installed files)."""
    return Config(str(ALEMBIC_INI))


def upgrade_database(url: str) -> None:
    """Upgrade the database at ``url`` to the latest revision; a no-op when it is already there.

    Raises ``DatabaseUnavailableError`` when the database cannot be opened or written, or a newer
    release has migrated it.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            _refuse_a_newer_schema(connection, config)
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        shown = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailableError(f"cannot upgrade database {shown}: {error_summary(error)}") from error
    finally:
        engine.dispose()
    logger.info("database schema is at the latest revision")


def _refuse_a_newer_schema(connection: Connection, config: Config) -> None:
    """Say plainly that a newer release migrated this database; Alembic would fail with a traceback
    ending in "Can't locate revision", and this release cannot know what the newer schema means."""
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    unknown = sorted(set(MigrationContext.configure(connection).get_current_heads()) - known)
    if unknown:
        raise DatabaseUnavailableError(
            f"the database schema is newer than this release (revision {', '.join(unknown)}): "
            "run the release that migrated it, or use another database")

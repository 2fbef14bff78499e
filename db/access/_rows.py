"""Helpers the data-access modules share: race-safe inserts, counting, paging and text cleaning."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Base, User

logger = logging.getLogger(__name__)

_Row = TypeVar("_Row", bound=Base)


def _insert_or_find(session: Session, row: _Row, find_existing: Callable[[], _Row | None]) -> _Row | None:
    """Insert ``row`` unless a row with its key exists; return that existing row, or None if inserted.

    The insert runs in a SAVEPOINT: when a concurrent transaction inserted the same key first, only the
    savepoint is rolled back and the other writer's row is returned, so the caller's transaction goes on.
    """
    existing = find_existing()
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as error:
        existing = find_existing()
        if existing is not None:
            logger.debug("%r was inserted concurrently; using the other writer's row", existing)
            return existing
        user_id = getattr(row, "user_id", None)
        if user_id is not None and session.get(User, user_id) is None:
            raise ValueError(f"unknown user {user_id}: call upsert_user before storing their data") from error
        raise
    return None


def _count(session: Session, model: type[Base], *conditions: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _page(query: Select[tuple[_Row]], offset: int, limit: int) -> Select[tuple[_Row]]:
    if offset < 0 or limit < 1:
        raise ValueError(f"offset must be >= 0 and limit >= 1, got offset={offset}, limit={limit}")
    return query.offset(offset).limit(limit)


def _clean(text: str, max_length: int) -> str:
    # PostgreSQL rejects NUL characters in text; Telegram texts can carry them.
    return text.replace("\x00", "")[:max_length]


def _clean_optional(text: str | None, max_length: int) -> str | None:
    return None if text is None else _clean(text, max_length)

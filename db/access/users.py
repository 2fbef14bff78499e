"""Users: created or refreshed on every update, counted for /stats, and deleted with every row about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, or_
from sqlalchemy.orm import Session

from db.models import (
    LANGUAGE_CODE_LENGTH,
    NAME_LENGTH,
    Dismissal,
    Impression,
    LikedGroup,
    Message,
    NotSeen,
    Rating,
    User,
    WatchlistEntry,
    utcnow,
)
from db.access._rows import _clean, _clean_optional, _count, _insert_or_find
from db.access.questions import clock_round


@dataclass(frozen=True)
class Stats:
    """Row counts for the admin's /stats and for monitoring."""

    users: int
    ratings: int
    messages: int
    impressions: int
    ratings_last_24h: int  # ratings created or changed in the last 24 hours


def upsert_user(
    session: Session,
    user_id: int,
    chat_id: int,
    *,
    first_name: str = "",
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> User:
    """Create the user on first contact, else refresh the profile Telegram sent and ``last_seen_at``."""
    profile = {
        "chat_id": chat_id,
        "first_name": _clean(first_name, NAME_LENGTH),
        "last_name": _clean_optional(last_name, NAME_LENGTH),
        "username": _clean_optional(username, NAME_LENGTH),
        "language_code": _clean_optional(language_code, LANGUAGE_CODE_LENGTH),
    }
    now = utcnow()
    new_user = User(id=user_id, created_at=now, last_seen_at=now, question_round=clock_round(now), **profile)
    user = _insert_or_find(session, new_user, lambda: session.get(User, user_id))
    if user is None:
        return new_user
    for field, value in profile.items():
        setattr(user, field, value)
    user.last_seen_at = now
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this Telegram id, or None if they never wrote to the bot (or were forgotten)."""
    return session.get(User, user_id)


def delete_user(session: Session, user_id: int) -> bool:
    """Forget the user: their profile and every row about them; False if there was no such user.

    The foreign keys cascade to ratings, dismissals, movies not seen, watchlist, impressions and logged
    messages. Messages logged without a user id in the user's private chat (whose chat id is the user id) go too.
    """
    session.execute(delete(Message).where(_messages_about(user_id)))
    result = session.execute(delete(User).where(User.id == user_id))
    # The database cascaded behind the ORM's back: drop the now-stale rows it may still hold.
    for stale in [row for row in session if getattr(row, "user_id", None) == user_id]:
        session.expunge(stale)
    return bool(result.rowcount)


def count_rows_for_user(session: Session, user_id: int) -> dict[str, int]:
    """Rows about the user in every table (table name -> count); all zero after ``delete_user``."""
    conditions = {
        User: User.id == user_id,
        Rating: Rating.user_id == user_id,
        Dismissal: Dismissal.user_id == user_id,
        NotSeen: NotSeen.user_id == user_id,
        WatchlistEntry: WatchlistEntry.user_id == user_id,
        LikedGroup: LikedGroup.user_id == user_id,
        Message: _messages_about(user_id),
        Impression: Impression.user_id == user_id,
    }
    return {model.__tablename__: _count(session, model, condition) for model, condition in conditions.items()}


def stats(session: Session) -> Stats:
    """Table sizes and the last day's rating activity."""
    return Stats(
        users=_count(session, User),
        ratings=_count(session, Rating),
        messages=_count(session, Message),
        impressions=_count(session, Impression),
        ratings_last_24h=_count(session, Rating, Rating.updated_at >= utcnow() - timedelta(hours=24)),
    )


def _messages_about(user_id: int) -> ColumnElement[bool]:
    return or_(Message.user_id == user_id, Message.user_id.is_(None) & (Message.chat_id == user_id))

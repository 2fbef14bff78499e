"""Data-access functions for the bot: each takes a Session and never commits.

Callers own the transaction (``with factory.begin() as session:``), so one handler's writes succeed or fail
together. Writes that may race with another writer on the same key (two updates from the same user handled
at once) insert inside a SAVEPOINT and, on a unique-key collision, fall back to the row the other writer
made, so neither the caller's transaction nor the user's input is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import (
    LANGUAGE_CODE_LENGTH,
    MESSAGE_DIRECTIONS,
    MESSAGE_KINDS,
    NAME_LENGTH,
    PENDING_QUESTIONS_LENGTH,
    Base,
    Dismissal,
    Impression,
    LikedGroup,
    Message,
    Rating,
    User,
    WatchlistEntry,
    utcnow,
    validate_rating,
)

logger = logging.getLogger(__name__)

MAX_MESSAGE_TEXT = 8192  # far above Telegram's 4096, so only abuse gets cut

_Row = TypeVar("_Row", bound=Base)


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
    new_user = User(id=user_id, created_at=now, last_seen_at=now, **profile)
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


def set_rating(session: Session, user_id: int, movie_id: int, value: float, source: str) -> bool:
    """Store the user's rating of a movie; True if it is new, False if it replaced an earlier one.

    Raises ValueError for a value outside 0.5..5 or not a half step, or for an unknown user.
    """
    value = validate_rating(value)
    now = utcnow()
    new_rating = Rating(
        user_id=user_id, movie_id=movie_id, value=value, source=source, created_at=now, updated_at=now
    )
    rating = _insert_or_find(session, new_rating, lambda: _find_rating(session, user_id, movie_id))
    if rating is None:
        return True
    rating.value = value
    rating.source = source
    rating.updated_at = now
    session.flush()
    return False


def delete_rating(session: Session, user_id: int, movie_id: int) -> bool:
    """Remove the user's rating of a movie; False if there was none."""
    result = session.execute(
        delete(Rating).where(Rating.user_id == user_id, Rating.movie_id == movie_id)
    )
    return bool(result.rowcount)


def get_ratings(session: Session, user_id: int) -> dict[int, float]:
    """All of the user's ratings as movie id -> stars (the recommender's input)."""
    rows = session.execute(select(Rating.movie_id, Rating.value).where(Rating.user_id == user_id))
    return {movie_id: value for movie_id, value in rows}


def list_ratings(session: Session, user_id: int, *, offset: int = 0, limit: int = 10) -> list[Rating]:
    """One page of the user's ratings, most recently set first."""
    query = select(Rating).where(Rating.user_id == user_id).order_by(Rating.updated_at.desc(), Rating.id.desc())
    return list(session.scalars(_page(query, offset, limit)))


def count_ratings(session: Session, user_id: int) -> int:
    """How many movies the user has rated."""
    return _count(session, Rating, Rating.user_id == user_id)


def dismiss_movie(session: Session, user_id: int, movie_id: int) -> None:
    """Mark the movie "not interested" for the user; dismissing twice is harmless."""
    _insert_or_find(
        session,
        Dismissal(user_id=user_id, movie_id=movie_id),
        lambda: session.get(Dismissal, (user_id, movie_id)),
    )


def dismissed_movie_ids(session: Session, user_id: int) -> set[int]:
    """Movies the user asked never to see again."""
    return set(session.scalars(select(Dismissal.movie_id).where(Dismissal.user_id == user_id)))


def add_to_watchlist(session: Session, user_id: int, movie_id: int) -> bool:
    """Save the movie to the user's watchlist; False if it was already there."""
    existing = _insert_or_find(
        session,
        WatchlistEntry(user_id=user_id, movie_id=movie_id),
        lambda: session.get(WatchlistEntry, (user_id, movie_id)),
    )
    return existing is None


def remove_from_watchlist(session: Session, user_id: int, movie_id: int) -> bool:
    """Take the movie off the user's watchlist; False if it was not on it."""
    result = session.execute(
        delete(WatchlistEntry).where(WatchlistEntry.user_id == user_id, WatchlistEntry.movie_id == movie_id)
    )
    return bool(result.rowcount)


def list_watchlist(session: Session, user_id: int, *, offset: int = 0, limit: int = 10) -> list[WatchlistEntry]:
    """One page of the user's watchlist, most recently added first."""
    query = (
        select(WatchlistEntry)
        .where(WatchlistEntry.user_id == user_id)
        .order_by(WatchlistEntry.created_at.desc(), WatchlistEntry.movie_id.desc())
    )
    return list(session.scalars(_page(query, offset, limit)))


def watchlist_movie_ids(session: Session, user_id: int) -> set[int]:
    """Every movie on the user's watchlist."""
    return set(session.scalars(select(WatchlistEntry.movie_id).where(WatchlistEntry.user_id == user_id)))


def like_group(session: Session, user_id: int, movie_ids: Sequence[int]) -> bool:
    """Remember that the user likes the group shown as ``movie_ids``; False if it was already liked."""
    key = ",".join(str(int(m)) for m in movie_ids)
    existing = _insert_or_find(
        session,
        LikedGroup(user_id=user_id, movie_ids=key),
        lambda: session.scalars(
            select(LikedGroup).where(LikedGroup.user_id == user_id, LikedGroup.movie_ids == key)
        ).one_or_none(),
    )
    return existing is None


def unlike_group(session: Session, user_id: int, *, group_id: int | None = None,
                 movie_ids: Sequence[int] | None = None) -> bool:
    """Forget one liked group, by its row id or by its movies; False if there was no such group."""
    query = delete(LikedGroup).where(LikedGroup.user_id == user_id)
    if group_id is not None:
        query = query.where(LikedGroup.id == group_id)
    elif movie_ids is not None:
        query = query.where(LikedGroup.movie_ids == ",".join(str(int(m)) for m in movie_ids))
    else:
        raise ValueError("name the group by group_id or movie_ids")
    return bool(session.execute(query).rowcount)


def liked_groups(session: Session, user_id: int) -> list[LikedGroup]:
    """The user's liked groups, oldest first."""
    query = select(LikedGroup).where(LikedGroup.user_id == user_id).order_by(LikedGroup.id)
    return list(session.scalars(query))


def ask_question(session: Session, user_id: int, kind: str) -> None:
    """Record that a question of ``kind`` awaits the user's answer (asking again changes nothing)."""
    kinds = pending_questions(session, user_id)
    if kind not in kinds:
        _set_pending(session, user_id, [*kinds, kind])


def pending_questions(session: Session, user_id: int) -> list[str]:
    """The kinds of question awaiting the user's answer, in the order asked."""
    stored = session.scalar(select(User.pending_questions).where(User.id == user_id))
    return [kind for kind in (stored or "").split(",") if kind]


def end_questions(session: Session, user_id: int, kind: str | None = None) -> list[str]:
    """Mark the question of ``kind`` (or every question) answered or cancelled; returns the kinds ended."""
    kinds = pending_questions(session, user_id)
    ended = [k for k in kinds if kind is None or k == kind]
    if ended:
        _set_pending(session, user_id, [k for k in kinds if k not in ended])
    return ended


def question_round(session: Session, user_id: int) -> int:
    """The user's current round of questions (0 for an unknown user)."""
    return session.scalar(select(User.question_round).where(User.id == user_id)) or 0


def start_question_round(session: Session, user_id: int) -> int:
    """Begin the user's next round of questions, leaving earlier questions' buttons outdated; returns it."""
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"unknown user {user_id}: call upsert_user before asking them anything")
    user.question_round += 1
    session.flush()
    return user.question_round


def _set_pending(session: Session, user_id: int, kinds: list[str]) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"unknown user {user_id}: call upsert_user before asking them anything")
    value = ",".join(kinds)
    if len(value) > PENDING_QUESTIONS_LENGTH or any("," in k for k in kinds):
        raise ValueError(f"pending question kinds {kinds!r} do not fit the users.pending_questions column")
    user.pending_questions = value
    session.flush()


def log_message(
    session: Session,
    *,
    chat_id: int,
    direction: str,
    kind: str,
    text: str,
    user_id: int | None = None,
    telegram_message_id: int | None = None,
) -> None:
    """Append one message to the conversation log (text cut to ``MAX_MESSAGE_TEXT``, NUL bytes removed)."""
    if direction not in MESSAGE_DIRECTIONS:
        raise ValueError(f"direction must be one of {MESSAGE_DIRECTIONS}, got {direction!r}")
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"kind must be one of {MESSAGE_KINDS}, got {kind!r}")
    session.add(
        Message(
            user_id=user_id,
            chat_id=chat_id,
            direction=direction,
            kind=kind,
            text=_clean(text, MAX_MESSAGE_TEXT),
            telegram_message_id=telegram_message_id,
        )
    )
    session.flush()


def record_impressions(
    session: Session,
    user_id: int,
    movie_ids: Sequence[int],
    *,
    model_version: str,
    context: str,
    scores: Sequence[float | None] | None = None,
    predicted_ratings: Sequence[float | None] | None = None,
    list_id: int | None = None,
) -> int | None:
    """Record a list shown to the user, best first, with the model's numbers when it had them; returns
    the list's id (None for an empty new list).

    Without ``list_id`` the movies start a new list (rank 1 first), whose id is its first row's. With it
    they are that list's next page: they share its id and rank after the movies it already holds.
    """
    scores = _aligned(scores, movie_ids, "scores")
    predicted_ratings = _aligned(predicted_ratings, movie_ids, "predicted_ratings")
    if not movie_ids:
        return list_id
    first_rank = 1 if list_id is None else 1 + _count(session, Impression, Impression.list_id == list_id)
    shown_at = utcnow()
    rows = [
        Impression(
            user_id=user_id,
            movie_id=movie_id,
            rank=rank,
            score=score,
            predicted_rating=predicted,
            model_version=model_version,
            context=context,
            created_at=shown_at,
            list_id=list_id,
        )
        for rank, (movie_id, score, predicted) in enumerate(
            zip(movie_ids, scores, predicted_ratings), start=first_rank
        )
    ]
    session.add_all(rows)
    session.flush()
    if list_id is None:
        list_id = rows[0].id
        for row in rows:
            row.list_id = list_id
        session.flush()
    return list_id


def list_movie_ids(session: Session, user_id: int, list_id: int) -> set[int]:
    """The movies shown so far in the user's list ``list_id``; empty when the user has no such list."""
    query = select(Impression.movie_id).where(Impression.user_id == user_id, Impression.list_id == list_id)
    return set(session.scalars(query))


def delete_user(session: Session, user_id: int) -> bool:
    """Forget the user: their profile and every row about them; False if there was no such user.

    The foreign keys cascade to ratings, dismissals, watchlist, impressions and logged messages. Messages
    logged without a user id in the user's private chat (whose chat id is the user id) go too.
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


def _find_rating(session: Session, user_id: int, movie_id: int) -> Rating | None:
    return session.scalars(
        select(Rating).where(Rating.user_id == user_id, Rating.movie_id == movie_id)
    ).one_or_none()


def _count(session: Session, model: type[Base], *conditions: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def _messages_about(user_id: int) -> ColumnElement[bool]:
    return or_(Message.user_id == user_id, Message.user_id.is_(None) & (Message.chat_id == user_id))


def _page(query: Select[tuple[_Row]], offset: int, limit: int) -> Select[tuple[_Row]]:
    if offset < 0 or limit < 1:
        raise ValueError(f"offset must be >= 0 and limit >= 1, got offset={offset}, limit={limit}")
    return query.offset(offset).limit(limit)


def _clean(text: str, max_length: int) -> str:
    # PostgreSQL rejects NUL characters in text; Telegram texts can carry them.
    return text.replace("\x00", "")[:max_length]


def _clean_optional(text: str | None, max_length: int) -> str | None:
    return None if text is None else _clean(text, max_length)


def _aligned(values: Sequence[float | None] | None, movie_ids: Sequence[int], name: str) -> Sequence[float | None]:
    if values is None:
        return [None] * len(movie_ids)
    if len(values) != len(movie_ids):
        raise ValueError(f"{name} has {len(values)} entries for {len(movie_ids)} movies")
    return values

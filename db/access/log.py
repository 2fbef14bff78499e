"""The conversation log (every message in and out) and the recommendation impressions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import MESSAGE_DIRECTIONS, MESSAGE_KINDS, Impression, Message, utcnow
from db.access._rows import _clean, _count

MAX_MESSAGE_TEXT = 8192  # far above Telegram's 4096, so only abuse gets cut


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


def _aligned(values: Sequence[float | None] | None, movie_ids: Sequence[int], name: str) -> Sequence[float | None]:
    if values is None:
        return [None] * len(movie_ids)
    if len(values) != len(movie_ids):
        raise ValueError(f"{name} has {len(values)} entries for {len(movie_ids)} movies")
    return values

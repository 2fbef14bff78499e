"""Ratings: one per user and movie, re-rating updates it."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Rating, utcnow, validate_rating
from db.access._rows import _count, _insert_or_find, _page


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


def _find_rating(session: Session, user_id: int, movie_id: int) -> Rating | None:
    return session.scalars(
        select(Rating).where(Rating.user_id == user_id, Rating.movie_id == movie_id)
    ).one_or_none()

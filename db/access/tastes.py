"""What a user told us besides ratings: dismissed movies, movies not seen, the watchlist and liked onboarding
groups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Dismissal, LikedGroup, NotSeen, WatchlistEntry
from db.access._rows import _insert_or_find, _page


def dismiss_movie(session: Session, user_id: int, movie_id: int) -> None:
    """Mark the movie "not interested" for the user; dismissing twice is harmless."""
    _mark(session, Dismissal, user_id, movie_id)


def dismissed_movie_ids(session: Session, user_id: int) -> set[int]:
    """Movies the user asked never to see again."""
    return _marked(session, Dismissal, user_id)


def mark_not_seen(session: Session, user_id: int, movie_id: int) -> None:
    """Remember that the user hasn't seen the movie (an onboarding answer); marking twice is harmless."""
    _mark(session, NotSeen, user_id, movie_id)


def not_seen_movie_ids(session: Session, user_id: int) -> set[int]:
    """Movies the user said they haven't seen."""
    return _marked(session, NotSeen, user_id)


def add_to_watchlist(session: Session, user_id: int, movie_id: int) -> bool:
    """Save the movie to the user's watchlist; False if it was already there."""
    return _mark(session, WatchlistEntry, user_id, movie_id)


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
    return _marked(session, WatchlistEntry, user_id)


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


_MovieMark = Dismissal | NotSeen | WatchlistEntry


def _mark(session: Session, kind: type[_MovieMark], user_id: int, movie_id: int) -> bool:
    """Insert the user's (user, movie) row of ``kind`` unless it is there already; True if it is new."""
    return _insert_or_find(session, kind(user_id=user_id, movie_id=movie_id),
                           lambda: session.get(kind, (user_id, movie_id))) is None


def _marked(session: Session, kind: type[_MovieMark], user_id: int) -> set[int]:
    """The movies the user has a row of ``kind`` for."""
    return set(session.scalars(select(kind.movie_id).where(kind.user_id == user_id)))

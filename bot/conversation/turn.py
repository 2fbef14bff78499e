"""What one step of the conversation may use: the open transaction, the user, the models.

Each role module (ratings, recommend, account) is a set of functions ``(turn, …) -> Response``; the
:class:`Turn` gives them everything without a god object, and keeps the one open session explicit.
"""

from __future__ import annotations

from dataclasses import dataclass
from sqlalchemy.orm import Session

from bot.conversation.messages import Incoming
from bot.matching import TitleMatcher
from bot.understanding import MessageUnderstanding
from db import access
from movierec.serving import Recommender


@dataclass(frozen=True)
class Turn:
    """One incoming message or button press being answered inside one database transaction."""

    session: Session
    incoming: Incoming
    recommender: Recommender
    understanding: MessageUnderstanding
    matcher: TitleMatcher
    """The title matcher behind ``understanding``, for plain title searches."""
    is_admin: bool
    now: float
    """Unix seconds when the turn started (one clock for the whole turn, injectable in tests)."""

    @property
    def user_id(self) -> int:
        return self.incoming.user_id

    def ratings(self) -> dict[int, float]:
        """The user's stored ratings, movie id -> stars."""
        return access.get_ratings(self.session, self.user_id)

    def servable_ratings(self) -> dict[int, float]:
        """The ratings of movies the current catalog serves: a reload may have dropped some movie."""
        return {m: v for m, v in self.ratings().items() if self.known_movie(m) is not None}

    def title(self, movie_id: int) -> str:
        """Display title with year, e.g. ``The Usual Suspects (1995)``."""
        return self.recommender.movie(movie_id).display_title

    def known_movie(self, movie_id: int) -> int | None:
        """The catalog's id for ``movie_id`` (a stale button may name a movie no longer served)."""
        return self.recommender.canonical_movie_id(movie_id)

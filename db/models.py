"""ORM models: the bot's memory of its users (ratings, dismissals, movies not seen, watchlist, conversation,
impressions).

Movies are not stored here: the catalogue comes from the MovieLens files, so ``movie_id`` columns hold the
dataset's canonical id and carry no foreign key. Every row about a user hangs off ``users.id`` with
``ON DELETE CASCADE``, so forgetting a user is one DELETE. The schema itself is owned by the Alembic
migrations in ``db/migrations``; these classes must stay in step with them (a test compares the two).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names: Alembic needs names to alter or drop constraints later, and SQLite's
# batch mode recreates tables by name.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Surrogate keys of the busy tables: BIGINT on PostgreSQL (messages grow without bound), but plain
# INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is an auto-incrementing rowid.
SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")

MESSAGE_DIRECTIONS = ("in", "out")
MESSAGE_KINDS = ("text", "command", "callback", "other")
MIN_RATING = 0.5
MAX_RATING = 5.0
NAME_LENGTH = 255  # Telegram allows 64 characters; the slack costs nothing
LANGUAGE_CODE_LENGTH = 35  # an IETF language tag
GROUP_IDS_LENGTH = 255
PENDING_QUESTIONS_LENGTH = 64


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the only kind stored)."""
    return datetime.now(UTC)


def validate_rating(value: float) -> float:
    """Return ``value`` as a float if it is a MovieLens rating (0.5 to 5 in half steps), else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"a rating must be a number from {MIN_RATING} to {MAX_RATING}, got {value!r}")
    if not MIN_RATING <= value <= MAX_RATING:
        raise ValueError(f"a rating must be between {MIN_RATING} and {MAX_RATING}, got {value}")
    if not float(value * 2).is_integer():
        raise ValueError(f"a rating must be a whole or half star (e.g. 3 or 3.5), got {value}")
    return float(value)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always an aware UTC datetime in Python.

    PostgreSQL's ``timestamptz`` keeps the zone, but SQLite stores text without one and hands back naive
    datetimes; this type converts to UTC on the way in and re-attaches UTC on the way out, so callers
    never see a naive value on either database.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store aware UTC datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the shared metadata (and its naming convention)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """A Telegram user (or the local console user, who has a negative id)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(NAME_LENGTH), default="")
    last_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    username: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    language_code: Mapped[str | None] = mapped_column(String(LANGUAGE_CODE_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pending_questions: Mapped[str] = mapped_column(String(PENDING_QUESTIONS_LENGTH), default="", server_default="")
    """Comma-separated kinds of the questions awaiting the user's answer ("which movie?", "delete
    everything?"), so /cancel can end them and a cancelled /forget button stops working."""
    question_round: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), default=0,
                                                server_default="0")
    """Moved on by each /cancel that ends a "which movie?" question; the question's buttons carry the
    round they were asked in, so those of a cancelled question stop working. A new user starts at the
    clock's round (:func:`db.access.questions.clock_round`), so a forgotten user's buttons never work
    for the user created again."""

    def __repr__(self) -> str:
        return f"User(id={self.id}, username={self.username!r})"


class Rating(Base):
    """One user's star rating of one movie; re-rating updates the row (one row per user and movie)."""

    __tablename__ = "ratings"
    __table_args__ = (
        UniqueConstraint("user_id", "movie_id"),
        # Half stars from 0.5 to 5, as in MovieLens; CAST keeps the half-step test portable.
        CheckConstraint(
            f"value >= {MIN_RATING} AND value <= {MAX_RATING} AND value * 2 = CAST(value * 2 AS INTEGER)",
            name="value_half_step",
        ),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    movie_id: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"Rating(user_id={self.user_id}, movie_id={self.movie_id}, value={self.value})"


class Dismissal(Base):
    """A "not interested" mark: the movie is never recommended to this user again."""

    __tablename__ = "dismissals"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    movie_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotSeen(Base):
    """A "haven't seen" answer to an onboarding card: that card is never offered to this user again.

    Not a dismissal: the user may still like the movie, so it stays in recommendations."""

    __tablename__ = "not_seen"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    movie_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WatchlistEntry(Base):
    """A movie the user saved to watch later."""

    __tablename__ = "watchlist"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    movie_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"WatchlistEntry(user_id={self.user_id}, movie_id={self.movie_id})"


class LikedGroup(Base):
    """An onboarding taste group the user liked, kept as its representative movies.

    Storing the movies (not a cluster number) keeps the choice meaningful after a retrained model
    regroups the catalog; the movies seed recommendations as weak positives until real ratings exist.
    """

    __tablename__ = "liked_groups"
    __table_args__ = (UniqueConstraint("user_id", "movie_ids"),)

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    movie_ids: Mapped[str] = mapped_column(String(GROUP_IDS_LENGTH))
    """Comma-separated movie ids, e.g. ``50,172,181,174``."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def movie_id_list(self) -> list[int]:
        return [int(m) for m in self.movie_ids.split(",") if m]


class Message(Base):
    """One incoming or outgoing message: the conversation log (for debugging and evaluation)."""

    __tablename__ = "messages"
    __table_args__ = (
        Index(None, "user_id", "created_at"),
        CheckConstraint(f"direction IN {MESSAGE_DIRECTIONS}", name="direction"),
        CheckConstraint(f"kind IN {MESSAGE_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    # Nullable: messages in groups or from senders we have no user row for.
    user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Impression(Base):
    """A movie shown to a user in a recommendation list, kept to evaluate the models offline later."""

    __tablename__ = "impressions"
    __table_args__ = (Index(None, "user_id", "created_at"), Index(None, "list_id"))

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    movie_id: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)  # 1 = top of the list
    score: Mapped[float | None] = mapped_column(Float)
    predicted_rating: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(64))
    context: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    list_id: Mapped[int | None] = mapped_column(SurrogateKey)
    """The list the movie was shown in: the id of the list's first row, shared by the rows of its later
    pages ("more picks"); NULL for rows recorded before lists were kept."""


class PendingUpdate(Base):
    """A Telegram update fetched and confirmed to Telegram but not yet fully handled: the bot's inbox.

    Long polling stores each fetched batch here before the next getUpdates confirms it, webhook mode each
    update before it answers Telegram's POST; a row is deleted once its update is handled, and rows left
    by a process that died are handled later (``bot/polling.py``, ``bot/webhook.py``, ``db/inbox.py``).
    """

    __tablename__ = "pending_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(Text)
    """The update's JSON as received (``Update.to_json()``)."""
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"PendingUpdate(update_id={self.update_id})"

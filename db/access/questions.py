"""The questions awaiting a user's answer, and the rounds /cancel starts so old buttons can be refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import PENDING_QUESTIONS_LENGTH, User, utcnow


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


def clock_round(now: datetime) -> int:
    """The round a clock reading stands for: Unix time in milliseconds.

    A new user starts at the clock's round and each new round is at least the clock's, so a user
    forgotten by /forget and created again never gets back a round one of their old buttons carries
    (unless the old account started rounds faster than one a millisecond, all the way to its deletion)."""
    return int(now.timestamp() * 1000)


def start_question_round(session: Session, user_id: int) -> int:
    """Begin the user's next round of questions, leaving earlier questions' buttons outdated; returns it."""
    user = _asked(session, user_id)
    user.question_round = max(user.question_round + 1, clock_round(utcnow()))
    session.flush()
    return user.question_round


def _set_pending(session: Session, user_id: int, kinds: list[str]) -> None:
    user = _asked(session, user_id)
    value = ",".join(kinds)
    if len(value) > PENDING_QUESTIONS_LENGTH or any("," in k for k in kinds):
        raise ValueError(f"pending question kinds {kinds!r} do not fit the users.pending_questions column")
    user.pending_questions = value
    session.flush()


def _asked(session: Session, user_id: int) -> User:
    """The user a question is for; ValueError for one never stored."""
    user = session.get(User, user_id)
    if user is None:
        raise ValueError(f"unknown user {user_id}: call upsert_user before asking them anything")
    return user

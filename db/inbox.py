"""The inbox of Telegram updates: stored before Telegram is told they arrived, deleted once handled.

Like ``db.access``, each function takes a Session and never commits; the caller owns the transaction
(``with factory.begin() as session:``). ``bot/polling.py`` and ``bot/webhook.py`` explain why the
inbox exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import PendingUpdate, utcnow


def store_updates(session: Session, updates: Sequence[tuple[int, str]]) -> list[int]:
    """Store ``(update_id, json)`` pairs; returns the ids newly stored (one already there is skipped,
    and so is a repeat within ``updates``)."""
    ids = {update_id for update_id, _ in updates}
    if not ids:
        return []
    known = set(session.scalars(select(PendingUpdate.update_id).where(PendingUpdate.update_id.in_(ids))))
    received_at = utcnow()
    stored: list[int] = []
    for update_id, payload in updates:
        if update_id in known:
            continue
        known.add(update_id)
        session.add(PendingUpdate(update_id=update_id, payload=payload, received_at=received_at))
        stored.append(update_id)
    session.flush()
    return stored


def delete_update(session: Session, update_id: int) -> None:
    """Forget a handled update (nothing happens when it is not stored)."""
    session.execute(delete(PendingUpdate).where(PendingUpdate.update_id == update_id))


def pending_updates(session: Session, received_before: datetime | None = None) -> list[PendingUpdate]:
    """Every stored update (only those received before ``received_before`` when given), lowest
    update_id first."""
    query = select(PendingUpdate).order_by(PendingUpdate.update_id)
    if received_before is not None:
        query = query.where(PendingUpdate.received_at < received_before)
    return list(session.scalars(query))

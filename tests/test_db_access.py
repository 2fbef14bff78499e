"""Tests of db.access on a real database: SQLite always, PostgreSQL when MOVIEREC_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from db import access
from db.models import MAX_RATING, Impression, Message, Rating, utcnow
from tests.test_db_engine import database_url, session_factory  # noqa: F401  (pytest fixtures)

Factory = sessionmaker[Session]
ALICE = 1001
BOB = 1002


def _add_users(factory: Factory, *user_ids: int) -> None:
    with factory.begin() as session:
        for user_id in user_ids:
            access.upsert_user(session, user_id, chat_id=user_id, first_name=f"user {user_id}")


def test_upsert_user_creates_then_updates_profile_and_last_seen(session_factory: Factory) -> None:  # noqa: F811
    with session_factory.begin() as session:
        created = access.upsert_user(session, ALICE, 555, first_name="Alice", username="alice", language_code="en")
    with session_factory.begin() as session:
        updated = access.upsert_user(session, ALICE, 556, first_name="Alicia", last_name="B")
    with session_factory() as session:
        stored = access.get_user(session, ALICE)
        assert access.get_user(session, BOB) is None
    assert created.first_name == "Alice" and created.created_at == created.last_seen_at
    assert stored is not None
    assert (stored.chat_id, stored.first_name, stored.last_name, stored.username, stored.language_code) == (
        556, "Alicia", "B", None, None,
    )
    assert stored.created_at == created.created_at
    assert stored.last_seen_at >= created.last_seen_at and stored.last_seen_at.tzinfo is not None
    assert updated.id == ALICE


def test_console_user_has_a_negative_id_and_nul_bytes_are_stripped_from_names(session_factory: Factory) -> None:  # noqa: F811
    with session_factory.begin() as session:
        access.upsert_user(session, -1, -1, first_name="con\x00sole", username="x" * 300)
    with session_factory() as session:
        user = access.get_user(session, -1)
    assert user is not None and user.first_name == "console" and len(user.username or "") == 255


def test_set_rating_creates_then_updates_the_same_row(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        assert access.set_rating(session, ALICE, 50, 4.5, "message") is True
        assert access.set_rating(session, ALICE, 60, 1, "button") is True
    with session_factory.begin() as session:
        assert access.set_rating(session, ALICE, 50, 2.0, "command") is False
    with session_factory() as session:
        assert access.get_ratings(session, ALICE) == {50: 2.0, 60: 1.0}
        assert access.count_ratings(session, ALICE) == 2
        assert len(session.scalars(select(Rating).where(Rating.movie_id == 50)).all()) == 1
        [rating] = [r for r in access.list_ratings(session, ALICE) if r.movie_id == 50]
    assert rating.source == "command" and rating.updated_at > rating.created_at


@pytest.mark.parametrize("value", [0.0, 0.25, 5.5, -1.0, 3.3, 2.75, float("nan"), float("inf"), True, "4"])
def test_invalid_rating_values_raise_a_clear_value_error(session_factory: Factory, value: object) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        with pytest.raises(ValueError, match="rating must be"):
            access.set_rating(session, ALICE, 50, value, "message")  # type: ignore[arg-type]
        assert access.count_ratings(session, ALICE) == 0


def test_every_half_step_is_accepted(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    values = [step / 2 for step in range(1, 11)]
    with session_factory.begin() as session:
        for movie_id, value in enumerate(values):
            access.set_rating(session, ALICE, movie_id, value, "onboarding")
    with session_factory() as session:
        assert sorted(access.get_ratings(session, ALICE).values()) == values
    assert values[-1] == MAX_RATING


def test_the_database_itself_rejects_a_non_half_step_rating(session_factory: Factory) -> None:  # noqa: F811
    """The CHECK constraint guards writes that bypass set_rating (scripts, manual fixes)."""
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        access.set_rating(session, ALICE, 50, 3.0, "message")
    with pytest.raises(Exception, match="(?i)check"):
        with session_factory.begin() as session:
            session.execute(update(Rating).values(value=3.3))


def test_rating_for_an_unknown_user_is_a_clear_error(session_factory: Factory) -> None:  # noqa: F811
    with session_factory.begin() as session:
        with pytest.raises(ValueError, match="unknown user 999"):
            access.set_rating(session, 999, 50, 3.0, "message")


def test_delete_rating(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        access.set_rating(session, ALICE, 50, 3.0, "message")
    with session_factory.begin() as session:
        assert access.delete_rating(session, ALICE, 50) is True
        assert access.delete_rating(session, ALICE, 50) is False
        assert access.get_ratings(session, ALICE) == {}


def test_list_ratings_pages_newest_first_and_only_the_users_own(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE, BOB)
    with session_factory.begin() as session:
        for movie_id in range(1, 6):
            access.set_rating(session, ALICE, movie_id, 3.0, "message")
        access.set_rating(session, BOB, 99, 5.0, "message")
    # Spread the timestamps so the order is defined by updated_at, then re-rate movie 2: it becomes newest.
    start = utcnow() - timedelta(hours=1)
    with session_factory.begin() as session:
        for movie_id in range(1, 6):
            session.execute(
                update(Rating).where(Rating.movie_id == movie_id).values(updated_at=start + timedelta(minutes=movie_id))
            )
    with session_factory.begin() as session:
        access.set_rating(session, ALICE, 2, 4.0, "message")
    with session_factory() as session:
        first = [r.movie_id for r in access.list_ratings(session, ALICE, limit=2)]
        rest = [r.movie_id for r in access.list_ratings(session, ALICE, offset=2, limit=10)]
        with pytest.raises(ValueError, match="offset"):
            access.list_ratings(session, ALICE, offset=-1)
    assert first == [2, 5]
    assert rest == [4, 3, 1]


def test_dismissals_are_idempotent(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE, BOB)
    with session_factory.begin() as session:
        access.dismiss_movie(session, ALICE, 7)
        access.dismiss_movie(session, ALICE, 7)
        access.dismiss_movie(session, ALICE, 8)
    with session_factory.begin() as session:
        access.dismiss_movie(session, ALICE, 8)
    with session_factory() as session:
        assert access.dismissed_movie_ids(session, ALICE) == {7, 8}
        assert access.dismissed_movie_ids(session, BOB) == set()


def test_watchlist_add_remove_and_list(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        assert access.add_to_watchlist(session, ALICE, 10) is True
        assert access.add_to_watchlist(session, ALICE, 10) is False
        assert access.add_to_watchlist(session, ALICE, 11) is True
        assert access.add_to_watchlist(session, ALICE, 12) is True
    with session_factory.begin() as session:
        assert access.remove_from_watchlist(session, ALICE, 11) is True
        assert access.remove_from_watchlist(session, ALICE, 11) is False
    with session_factory() as session:
        assert access.watchlist_movie_ids(session, ALICE) == {10, 12}
        page = access.list_watchlist(session, ALICE, offset=0, limit=1)
        whole = access.list_watchlist(session, ALICE)
    assert len(page) == 1 and {entry.movie_id for entry in whole} == {10, 12}
    assert [entry.created_at for entry in whole] == sorted((entry.created_at for entry in whole), reverse=True)


def test_log_message_strips_nul_bytes_and_truncates(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        access.log_message(session, chat_id=ALICE, direction="in", kind="text", text="hi\x00 there", user_id=ALICE,
                           telegram_message_id=42)
        access.log_message(session, chat_id=-100123, direction="out", kind="other", text="x" * 20_000)
    with session_factory() as session:
        texts = {m.chat_id: m for m in session.scalars(select(Message))}
    assert texts[ALICE].text == "hi there" and texts[ALICE].telegram_message_id == 42
    assert len(texts[-100123].text) == access.MAX_MESSAGE_TEXT


@pytest.mark.parametrize(("direction", "kind"), [("sideways", "text"), ("in", "photo")])
def test_log_message_rejects_unknown_direction_or_kind(session_factory: Factory, direction: str, kind: str) -> None:  # noqa: F811
    with session_factory.begin() as session:
        with pytest.raises(ValueError, match="must be one of"):
            access.log_message(session, chat_id=1, direction=direction, kind=kind, text="x")


def test_record_impressions_keeps_rank_and_numbers(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE)
    with session_factory.begin() as session:
        access.record_impressions(session, ALICE, [30, 10, 20], model_version="ease-1", context="recommend",
                                  scores=[0.9, 0.5, None], predicted_ratings=[4.5, None, 3.0])
        access.record_impressions(session, ALICE, [], model_version="ease-1", context="similar")
        with pytest.raises(ValueError, match="scores has 1 entries for 2 movies"):
            access.record_impressions(session, ALICE, [1, 2], model_version="m", context="c", scores=[1.0])
    with session_factory() as session:
        rows = list(session.scalars(select(Impression).order_by(Impression.rank)))
    assert [(r.rank, r.movie_id, r.score, r.predicted_rating) for r in rows] == [
        (1, 30, 0.9, 4.5), (2, 10, 0.5, None), (3, 20, None, 3.0),
    ]
    assert {(r.model_version, r.context) for r in rows} == {("ease-1", "recommend")}


def test_a_list_continued_page_by_page_keeps_one_id_and_ranks_on(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE, BOB)
    with session_factory.begin() as session:
        first = access.record_impressions(session, ALICE, [30, 10], model_version="m", context="recommend")
        other = access.record_impressions(session, ALICE, [30, 40], model_version="m", context="recommend")
        assert first is not None and other is not None and first != other
        assert access.record_impressions(session, ALICE, [20, 50], model_version="m", context="recommend",
                                         list_id=first) == first
        assert access.record_impressions(session, ALICE, [], model_version="m", context="recommend") is None
    with session_factory() as session:
        assert access.list_movie_ids(session, ALICE, first) == {30, 10, 20, 50}
        assert access.list_movie_ids(session, ALICE, other) == {30, 40}
        assert access.list_movie_ids(session, BOB, first) == set()  # a list is its user's only
        rows = session.scalars(select(Impression).where(Impression.list_id == first).order_by(Impression.rank))
        assert [(r.rank, r.movie_id) for r in rows] == [(1, 30), (2, 10), (3, 20), (4, 50)]


def test_delete_user_leaves_no_row_about_them_in_any_table(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE, BOB)
    with session_factory.begin() as session:
        for user_id in (ALICE, BOB):
            access.set_rating(session, user_id, 1, 4.0, "message")
            access.dismiss_movie(session, user_id, 2)
            access.mark_not_seen(session, user_id, 2)
            access.mark_not_seen(session, user_id, 2)  # twice is harmless
            access.add_to_watchlist(session, user_id, 3)
            access.log_message(session, chat_id=user_id, direction="in", kind="command", text="/start",
                               user_id=user_id)
            access.log_message(session, chat_id=user_id, direction="out", kind="text", text="hello")
            access.record_impressions(session, user_id, [4, 5], model_version="m", context="recommend")
            access.like_group(session, user_id, [6, 7, 8, 9])
            access.ask_question(session, user_id, "forget")
        counts_before = access.count_rows_for_user(session, ALICE)
    assert counts_before == {"users": 1, "ratings": 1, "dismissals": 1, "not_seen": 1, "watchlist": 1,
                             "liked_groups": 1, "messages": 2, "impressions": 2}
    with session_factory.begin() as session:
        held = access.list_ratings(session, ALICE)  # rows the session holds when the cascade runs
        assert access.delete_user(session, ALICE) is True
        assert access.get_ratings(session, ALICE) == {} and access.get_user(session, ALICE) is None
        assert held[0] not in session
        assert access.delete_user(session, ALICE) is False
    with session_factory() as session:
        assert access.count_rows_for_user(session, ALICE) == dict.fromkeys(counts_before, 0)
        assert access.count_rows_for_user(session, BOB) == counts_before  # Bob is untouched
        assert access.get_user(session, ALICE) is None


def test_stats_counts_tables_and_the_last_days_ratings(session_factory: Factory) -> None:  # noqa: F811
    _add_users(session_factory, ALICE, BOB)
    with session_factory.begin() as session:
        access.set_rating(session, ALICE, 1, 4.0, "message")
        access.set_rating(session, ALICE, 2, 4.0, "message")
        access.set_rating(session, BOB, 1, 2.0, "message")
        access.log_message(session, chat_id=ALICE, direction="in", kind="text", text="hi", user_id=ALICE)
        access.record_impressions(session, BOB, [1, 2, 3], model_version="m", context="recommend")
        session.execute(
            update(Rating).where(Rating.user_id == BOB).values(updated_at=utcnow() - timedelta(days=2))
        )
    with session_factory() as session:
        assert access.stats(session) == access.Stats(users=2, ratings=3, messages=1, impressions=3,
                                                     ratings_last_24h=2)


def test_a_rating_inserted_by_a_concurrent_transaction_is_updated_not_duplicated(
    session_factory: Factory, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    _add_users(session_factory, ALICE)
    second_result: list[bool] = []

    def rate_in_own_transaction() -> None:
        with session_factory.begin() as session:
            second_result.append(access.set_rating(session, ALICE, 50, 4.0, "button"))

    caplog.set_level(logging.DEBUG, logger="db.access")
    second = threading.Thread(target=rate_in_own_transaction)
    with session_factory.begin() as first:
        access.set_rating(first, ALICE, 50, 2.0, "message")  # inserted, not yet committed
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive()  # the second writer waits for the first one's row
    second.join(timeout=15)
    assert second_result == [False]
    with session_factory() as session:
        assert access.get_ratings(session, ALICE) == {50: 4.0}
    if session_factory.kw["bind"].dialect.name == "postgresql":
        # PostgreSQL let the second writer start, so it met the duplicate key and took the SAVEPOINT path
        # (SQLite made it wait at BEGIN IMMEDIATE instead).
        assert "inserted concurrently" in caplog.text


def test_concurrent_writers_lose_nothing_and_never_see_database_is_locked(session_factory: Factory) -> None:  # noqa: F811
    """20 threads, one session each, write at once: their own rows, one new user and the same shared rows."""
    threads_count, movies = 20, 10
    shared_user, newcomer = 1, 2
    _add_users(session_factory, shared_user)
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    created_shared: list[bool] = []

    def work(user_id: int) -> None:
        try:
            start.wait()
            with session_factory.begin() as session:
                access.upsert_user(session, newcomer, newcomer, first_name="first contact from many updates")
            for movie_id in range(movies):
                with session_factory.begin() as session:
                    access.upsert_user(session, user_id, user_id, first_name="t")
                    access.set_rating(session, user_id, movie_id, 0.5 + (user_id + movie_id) % 10 / 2, "button")
                    created = access.set_rating(session, shared_user, movie_id, 3.0, "button")
                    access.add_to_watchlist(session, shared_user, movie_id)
                created_shared.append(created)  # list.append is atomic
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    workers = [threading.Thread(target=work, args=(100 + index,)) for index in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert created_shared.count(True) == movies  # each shared rating was created exactly once
    with session_factory() as session:
        assert access.stats(session).users == threads_count + 2
        assert access.stats(session).ratings == threads_count * movies + movies
        assert access.watchlist_movie_ids(session, shared_user) == set(range(movies))
        for index in range(threads_count):
            assert access.count_ratings(session, 100 + index) == movies

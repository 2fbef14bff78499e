"""One whole bot conversation on PostgreSQL, through the real Application and the Bot API emulator.

The database tests run on both SQLite and PostgreSQL (``tests/test_db_engine.py``); this proves the bot
itself — its transactions, cascades and concurrent writers — on a real PostgreSQL server. It runs when
``MOVIEREC_TEST_POSTGRES_URL`` is set (``.ci/run`` sources ``scripts/ci_postgres.sh``, which starts one)
and skips otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from db import access
from db.migrate import upgrade_database
from tests.bot_support import ALICE, RunningBot, emulator, running_bot, served, services  # noqa: F401
from tests.emulator import TgUser
from tests.reliability_support import assert_no_errors
from tests.test_bot_e2e import assert_every_acknowledged_rating_is_stored, press, say, stored_ratings
from tests.test_db_engine import fresh_postgres_database

pytestmark = pytest.mark.realdata


@pytest.fixture
def database_url() -> Iterator[str]:
    """Replaces the SQLite database of the bot fixtures with a fresh, migrated PostgreSQL database."""
    with fresh_postgres_database() as url:
        upgrade_database(url)
        yield url


async def test_rate_recommend_and_forget_on_postgresql(running_bot: RunningBot,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    assert running_bot.services.engine.dialect.name == "postgresql"
    (reply,) = await say(running_bot, ALICE, "Fargo 5, Heat 4, Toy Story 3, Star Wars 5, Casablanca 4")
    assert "enough for personal picks" in reply.text
    header, first, second, *_ = await say(running_bot, ALICE, "/recommend 3", replies=5)
    assert "personal picks" in header.text
    (prompt,) = await press(running_bot, ALICE, first, first.button("Seen it"))
    await press(running_bot, ALICE, prompt, prompt.button("4★"))
    await press(running_bot, ALICE, second, second.button("Not interested"))
    assert len(stored_ratings(running_bot, ALICE)) == 6
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)

    users = [TgUser(id=600_000 + i, first_name=f"Pg{i}") for i in range(10)]
    for user in users:  # concurrent writers on PostgreSQL: the savepoint path of db.access
        await running_bot.emulator.send_text(user, "Fargo 5")
        await running_bot.emulator.send_text(user, "Fargo 3")
    for user in users:
        await running_bot.emulator.wait_for_replies(user.id, 2)
        assert stored_ratings(running_bot, user) == {100: 3.0}

    (question,) = await say(running_bot, ALICE, "/forget")
    (done,) = await press(running_bot, ALICE, question, question.button("Yes, delete"))
    assert "everything about you is deleted" in done.text
    with running_bot.sessions().begin() as session:
        assert set(access.count_rows_for_user(session, ALICE.id).values()) == {0}
        assert access.stats(session).ratings == len(users)  # the others keep theirs
    assert_no_errors(caplog)

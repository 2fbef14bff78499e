"""Hostile and odd text through the real bot over the Bot API emulator.

Every case checks the three promises of the reliability issue: a polite answer (never the error
handler's apology, no ERROR logged), and user state in the database changed only by a valid rating.
Buttons and non-text updates are in ``test_reliability_updates.py``.
"""

from __future__ import annotations

import pytest

from tests.bot_support import (ALICE, BOB, RunningBot, database_url, emulator, migrated_database,  # noqa: F401
                               running_bot, served, services)
from tests.reliability_support import (assert_no_errors, assert_polite, exchange, fill_every_table, rows_about,
                                       state_rows, state_snapshot)
from tests.test_bot_e2e import assert_every_acknowledged_rating_is_stored, stored_ratings

pytestmark = pytest.mark.realdata

FARGO = 100
NOT_CAUGHT = "I didn't catch a movie there"
NOT_FOUND = "I couldn't find"

TEXTS = [  # (case, message, a phrase of the answer, the ratings it may store)
    ("whitespace only", " \t \u3000 ", NOT_CAUGHT, {}),
    ("NUL only", "\x00", NOT_CAUGHT, {}),
    ("4096 characters", "x" * 4096, NOT_CAUGHT, {}),
    ("longer than Telegram allows", "Fargo " * 2000, NOT_CAUGHT, {}),
    ("emoji", "🎬🍿🔥👍🏽", NOT_CAUGHT, {}),
    ("right-to-left text", "فيلم رائع 5", NOT_FOUND, {}),
    ("right-to-left override", "\u202eFargo 5", "Fargo (1996)", {FARGO: 5.0}),
    ("zero-width space in a title", "Far\u200bgo 5", "Fargo (1996)", {FARGO: 5.0}),
    ("control characters", "\x07\x1b[31mFargo\x1b[0m 4", None, {}),
    ("NUL inside a rating", "Fargo\x00 5", "Fargo (1996)", {FARGO: 5.0}),
    ("HTML tags", "<b>Fargo</b> 5", "<b>Fargo</b>", {}),
    ("HTML entities and a bare <", "&amp; &lt;script&gt; & <i 4", "& <i", {}),
    ("a letter as a title", "x: 5", NOT_FOUND, {}),  # once rated "Malcolm X" (a partial match)
    ("a numeral as a title", "XX 4", NOT_FOUND, {}),  # once rated "20,000 Leagues Under the Sea"
    ("MarkdownV2 specials", "_*[]()~`>#+-=|{}.!", NOT_CAUGHT, {}),
    ("MarkdownV2 around a title", "*Fargo* 5", "Fargo (1996)", {FARGO: 5.0}),
    ("SQL injection, statement", "Robert'); DROP TABLE ratings;--", NOT_FOUND, {}),
    ("SQL injection, tautology", "' OR 1=1 -- 5", "' OR 1=1 --", {}),
    ("SQL injection in a command", "/rate x'; DELETE FROM users WHERE '1'='1 5", None, {}),
    ("format strings", "{0} {user_id} %s %d %(x)s %n", NOT_CAUGHT, {}),
    ("format strings in a title", "Fargo {0!r} %s 5", "Fargo {0!r} %s", {}),
]

RATINGS = [  # (message, a phrase of the answer, the ratings it may store)
    ("Fargo 0", "outside the scale", {}),
    ("Fargo 6", "outside the scale", {}),
    ("Fargo -1", "outside the scale", {}),
    ("Fargo 4.7", "not a whole or half star", {}),
    ("Fargo 4.25", "not a whole or half star", {}),
    ("Fargo NaN", "is not a number of stars", {}),
    ("Fargo inf", "is not a number of stars", {}),
    ("Fargo: -inf", "is not a number of stars", {}),
    ("Fargo 1e309", "is not a number of stars", {}),
    ("Fargo ★★★★★★", "outside the scale", {}),
    ("Fargo: 10/10", "Fargo (1996)", {FARGO: 5.0}),
    ("Fargo 4,5", "Fargo (1996)", {FARGO: 4.5}),
    ("Fargo five", "Fargo (1996)", {FARGO: 5.0}),  # a number word is a rating: a decision, not an accident
]

COMMANDS = [  # (message, a phrase of the answer) — none of them changes user state
    ("/recommend 100000", "I can show 1 to 10 picks"),
    ("/recommend -5", "I can show 1 to 10 picks"),
    ("/recommend 99999999999999999999999999", "I can show 1 to 10 picks"),
    ("/recommend ²", "I don't know the genre"),
    ("/recommend 3 spaghetti western horror", "I don't know the genre"),
    ("/rate", "Tell me which movie"),
    ("/rate Fargo 7", "outside the scale"),
    ("/unrate", "Which rating should I remove"),
    ("/unrate Fargo", "wasn't rated"),
    ("/similar", "Which movie?"),
    ("/search", "What should I look for?"),
    ("/search " + "<&>" * 1300, "<&>"),
    ("/myratings please, all of them", "You haven't rated anything yet"),
    ("/forget right now!!", "deletes everything"),
    ("/similar %s {0} <b>", "%s {0} <b>"),
    ("/nosuchcommand", "I don't know the command /nosuchcommand"),
    ("/" + "x" * 300, "I don't know the command"),
    ("//", "I don't know the command"),
    ("/", NOT_CAUGHT),
    ("/start@some_other_bot", None),  # another bot's command: deliberately silent
]


@pytest.mark.parametrize(("message", "expected", "stored"), [case[1:] for case in TEXTS],
                         ids=[case[0] for case in TEXTS])
async def test_odd_text_gets_a_polite_answer(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                             message: str, expected: str | None, stored: dict[int, float]) -> None:
    before = state_rows(running_bot)
    assert_polite(await exchange(running_bot, ALICE, message), expected)
    assert stored_ratings(running_bot, ALICE) == stored
    assert state_rows(running_bot) == {**before, "ratings": before["ratings"] + len(stored)}
    assert_no_errors(caplog)


@pytest.mark.parametrize(("message", "expected", "stored"), RATINGS, ids=[case[0] for case in RATINGS])
async def test_bad_ratings_are_explained_never_clamped(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                       message: str, expected: str, stored: dict[int, float]) -> None:
    before = state_rows(running_bot)
    assert_polite(await exchange(running_bot, ALICE, message), expected)
    assert stored_ratings(running_bot, ALICE) == stored
    assert state_rows(running_bot) == {**before, "ratings": before["ratings"] + len(stored)}
    assert_no_errors(caplog)


@pytest.mark.parametrize(("message", "expected"), COMMANDS, ids=[case[0][:40] for case in COMMANDS])
async def test_commands_with_garbage_or_missing_arguments(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                          message: str, expected: str | None) -> None:
    before = state_rows(running_bot)
    outputs = await exchange(running_bot, ALICE, message)
    if expected is None:
        assert outputs == []
    else:
        assert_polite(outputs, expected)
    assert state_rows(running_bot) == before
    assert_no_errors(caplog)


async def test_a_very_long_list_of_ratings_is_capped_and_says_so(running_bot: RunningBot,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    titles = ["Fargo", "Heat", "Casablanca", "Toy Story", "Braveheart", "Jaws", "Vertigo", "Clerks", "Titanic",
              "Amadeus", "Gandhi", "Glory", "Shine", "Evita", "Rocky", "Ghost", "Speed", "Twister", "Contact",
              "Scream", "Platoon", "Gattaca", "Sabrina", "Rebecca", "Notorious"] * 8
    message = "\n".join(f"{title}: {1 + i % 5}" for i, title in enumerate(titles))
    outputs = await exchange(running_bot, ALICE, message)
    assert_polite(outputs, "I read the first 20 movies")
    assert 0 < len(stored_ratings(running_bot, ALICE)) <= 20
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)
    assert_no_errors(caplog)


async def test_hostile_text_leaves_the_schema_and_other_users_alone(running_bot: RunningBot,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    await fill_every_table(running_bot, BOB)  # someone else's ratings, dismissals, watchlist, liked groups…
    await exchange(running_bot, ALICE, "Fargo 5")
    before, bob_before = state_snapshot(running_bot), rows_about(running_bot, BOB.id)
    assert all(bob_before[table] for table in ("ratings", "dismissals", "watchlist", "liked_groups", "impressions"))
    for attack in ("'; DROP TABLE ratings; --", "1); DELETE FROM ratings; --", "Fargo' OR '1'='1 1",
                   "\"; UPDATE ratings SET value = 1; --", "%' UNION SELECT * FROM users --",
                   "'; DELETE FROM watchlist; DELETE FROM liked_groups; DELETE FROM dismissals; --"):
        assert_polite(await exchange(running_bot, ALICE, attack))
    assert state_snapshot(running_bot) == before  # every row of every table, and the schema
    assert rows_about(running_bot, BOB.id) == bob_before  # the logs hold nothing new about Bob either
    assert stored_ratings(running_bot, ALICE) == {FARGO: 5.0}
    assert_no_errors(caplog)

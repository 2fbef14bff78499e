"""Everyday phrasing over the Bot API emulator: requests for picks, liked genres, greetings and rating
sentences get a helpful answer, and a rating sentence is stored like "Fargo 5" (checked in the database)."""

from __future__ import annotations

import pytest

from bot.conversation import chat
from tests.bot_support import (ALICE, RunningBot, database_url, emulator, migrated_database,  # noqa: F401
                               running_bot, served, services)
from tests.test_bot_e2e import say, stored_ratings


@pytest.mark.parametrize(("text", "genre"), [
    ("what should I watch?", None), ("recommend me something", None), ("any suggestions?", None),
    ("I like horror movies", "horror"), ("can you recommend a comedy", "comedy"), ("i love sci fi", "sci-fi"),
])
def test_requests_for_picks_point_to_recommend(text: str, genre: str | None) -> None:
    reply = chat.picks_reply(text)
    assert reply is not None
    expected = f"<code>/recommend {genre}</code>" if genre else "Send /recommend for picks"
    assert expected in reply.replies[0].text


@pytest.mark.parametrize("text", ["Fargo 5", "I loved Fargo", "horror", "good morning", "I like it"])
def test_other_messages_are_no_request_for_picks(text: str) -> None:
    assert chat.picks_reply(text) is None


@pytest.mark.parametrize(("text", "rewritten"), [
    ("five stars for fargo", "fargo: five"), ("5 Fargo", "Fargo: 5"), ("4.5 for heat!", "heat: 4.5"),
    ("I gave 5 stars to Fargo", "Fargo: 5"), ("I loved Fargo", "Fargo"), ("i have seen Heat.", "Heat"),
])
def test_rating_sentences_are_rewritten_for_the_rating_reader(text: str, rewritten: str) -> None:
    assert chat.as_rating(text) == rewritten


def test_other_messages_are_no_rating_sentence() -> None:
    assert chat.as_rating("Fargo 5") is None and chat.as_rating("what should I watch?") is None


@pytest.mark.realdata
async def test_everyday_phrasing_gets_a_helpful_answer(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "what should I watch?")
    assert "/recommend" in reply.text
    (reply,) = await say(running_bot, ALICE, "I like horror movies")
    assert "/recommend horror" in reply.text
    (reply,) = await say(running_bot, ALICE, "good morning")  # a greeting, not the 1971 film
    assert "Fargo 5" in reply.text and not reply.buttons
    (reply,) = await say(running_bot, ALICE, "five stars for fargo")
    assert "✓ Fargo (1996) — ★★★★★ 5" in reply.text
    (reply,) = await say(running_bot, ALICE, "4 Heat")
    assert "✓ Heat (1995) — ★★★★☆ 4" in reply.text
    (card,) = await say(running_bot, ALICE, "I loved Casablanca")  # no stars given: the card asks for them
    assert card.text.startswith("Casablanca (1942)") and "How many stars" in card.text
    (reply,) = await say(running_bot, ALICE, "Good Morning 4")  # with stars, the title is rated
    assert "✓ Good Morning (1971) — ★★★★☆ 4" in reply.text
    (reply,) = await say(running_bot, ALICE, "I loved it")
    assert "Fargo 5" in reply.text  # the help, with an example
    assert stored_ratings(running_bot, ALICE) == {100: 5.0, 273: 4.0, 1373: 4.0}

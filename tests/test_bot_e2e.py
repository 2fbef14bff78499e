"""Whole conversations through the real python-telegram-bot Application, over HTTP, against the Bot
API emulator; each checks the replies *and* the database."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

import pandas as pd
import pytest
from sqlalchemy import select

from bot.conversation.replies import toast
from bot.handlers import SLOW_DOWN, SORRY, SlidingWindowLimiter
from db import access
from db.models import Message
from tests.bot_support import (ADMIN_ID, ALICE, BOB, RunningBot, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.emulator import BotOutput, TgUser

pytestmark = pytest.mark.realdata


def stored_ratings(bot: RunningBot, user: TgUser) -> dict[int, float]:
    with bot.sessions().begin() as session:
        return access.get_ratings(session, user.id)


ACKNOWLEDGED = re.compile(r"^✓ (.+) — [★½☆]+ ([0-9.]+)", re.MULTILINE)


def acknowledged_ratings(outputs: Iterable[BotOutput], catalog: pd.DataFrame) -> dict[int, float]:
    """Movie id -> stars of every "✓ title — stars" line among ``outputs`` (the last one wins)."""
    movie_of = dict(zip(catalog["display_title"], catalog["movie_id"], strict=True))
    return {movie_of[title]: float(value) for output in outputs for title, value in ACKNOWLEDGED.findall(output.text)}


def assert_every_acknowledged_rating_is_stored(bot: RunningBot, user: TgUser) -> None:
    """The bot's promise: a "✓ title — stars" it showed is exactly what the database holds."""
    acknowledged = acknowledged_ratings(bot.emulator.outputs(user.id), bot.services.holder.current.catalog)
    assert acknowledged, "the test expected acknowledged ratings"
    stored = stored_ratings(bot, user)
    assert {movie: stored.get(movie) for movie in acknowledged} == acknowledged


async def say(bot: RunningBot, user: TgUser, text: str, replies: int = 1) -> list[BotOutput]:
    await bot.emulator.send_text(user, text)
    return await bot.emulator.wait_for_replies(user.id, replies)


async def press(bot: RunningBot, user: TgUser, message: BotOutput, data: str, replies: int = 1) -> list[BotOutput]:
    query_id = await bot.emulator.press_button(user, message, data)
    outputs = await bot.emulator.wait_for_replies(user.id, replies)
    await bot.emulator.wait_for_callback_answer(query_id)
    return outputs


async def assert_quiet(bot: RunningBot, chat_id: int, seconds: float = 0.3) -> None:
    await asyncio.sleep(seconds)
    assert bot.emulator.pending(chat_id) == []


async def test_start_up_registers_commands_and_uses_the_api_url(running_bot: RunningBot) -> None:
    methods = running_bot.emulator.methods_called()
    assert "getMe" in methods and "setMyCommands" in methods
    names = {c["command"] for c in running_bot.emulator.commands}
    assert {"start", "recommend", "myratings", "forget", "help"} <= names
    assert "stats" not in names  # admin commands stay out of the public menu


async def test_onboarding_with_buttons_reaches_recommend(running_bot: RunningBot) -> None:
    welcome, groups = await say(running_bot, ALICE, "/start", replies=2)
    assert "Hi Alice" in welcome.text and "Done" in groups.buttons[-1][0]["text"]
    # taste groups are tested in test_bot_onboarding; "Done" goes on to single ratings
    _, card = await press(running_bot, ALICE, groups, groups.button("Done"), replies=2)
    assert "0/5 rated" in card.text
    first_title = card.text.splitlines()[0]
    # "haven't seen" moves on without storing a rating (test_bot_onboarding: it is remembered)
    skipped, card = await press(running_bot, ALICE, card, card.button("Haven't seen"), replies=2)
    assert skipped.method == "editMessageText" and "not seen" in skipped.text
    assert card.text.splitlines()[0] != first_title
    assert stored_ratings(running_bot, ALICE) == {}
    for stars in (5, 4, 3, 4):
        confirmation, card = await press(running_bot, ALICE, card, card.button(f"{stars}★"), replies=2)
        assert confirmation.method == "editMessageText" and "✓" in confirmation.text
    assert len(stored_ratings(running_bot, ALICE)) == 4
    confirmation, wrap_up = await press(running_bot, ALICE, card, card.button("2★"), replies=2)
    assert "/recommend" in wrap_up.text
    assert sorted(stored_ratings(running_bot, ALICE).values()) == [2.0, 3.0, 4.0, 4.0, 5.0]
    welcome_back = await say(running_bot, ALICE, "/start", replies=2)
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)
    assert "Welcome back, Alice! You've rated 5 movies." in welcome_back[0].text


async def test_rating_by_message_with_hard_titles(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "Alien 3 2")
    assert "Alien 3 (1992)" in reply.text and "★★☆☆☆ 2" in reply.text
    (reply,) = await say(running_bot, ALICE, "the godfather - 4/5, heat 3")
    assert "The Godfather (1972)" in reply.text and "Heat (1995)" in reply.text
    (reply,) = await say(running_bot, ALICE, "2001: A Space Odyssey 5\n12 Angry Men 4\nApollo 13 4.5\n8 1/2 5")
    for title in ("2001: A Space Odyssey (1968)", "12 Angry Men (1957)", "Apollo 13 (1995)", "8 1/2 (1963)"):
        assert title in reply.text
    assert stored_ratings(running_bot, ALICE) == {665: 2.0, 127: 4.0, 273: 3.0, 135: 5.0, 178: 4.0, 28: 4.5,
                                                  1021: 5.0}
    (reply,) = await say(running_bot, ALICE, "Heat: 4.5")
    assert "(was ★★★☆☆ 3)" in reply.text
    assert stored_ratings(running_bot, ALICE)[273] == 4.5
    (reply,) = await say(running_bot, ALICE, "Die Hard 2 3\nApollo 13 4")  # the number in the title, then stars
    assert "Die Hard 2 (1990) — ★★★☆☆ 3" in reply.text and "Apollo 13 (1995) — ★★★★☆ 4" in reply.text
    assert {movie: stored_ratings(running_bot, ALICE)[movie] for movie in (226, 28)} == {226: 3.0, 28: 4.0}
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_ratings_written_in_other_ways(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "Fargo 4*, Heat (5)\nCasablanca ***\nVertigo 3 1/2\n"
                                             "Psycho 3 stars out of 5; Jaws [2]; Clerks 🌟🌟🌟🌟")
    assert stored_ratings(running_bot, ALICE) == {100: 4.0, 273: 5.0, 483: 3.0, 479: 3.5, 185: 3.0, 234: 2.0,
                                                  42: 4.0}
    (reply,) = await say(running_bot, ALICE, ", ".join(["Heat 5"] * 30))  # pasted over and over: one line
    assert reply.text.count("✓") == 1 and "✓ Heat (1995) — ★★★★★ 5 (was ★★★★★ 5)" not in reply.text
    assert "(repeated, rated once)" in reply.text
    (reply,) = await say(running_bot, ALICE, "Fargo 5 Heat 4")  # two ratings without a separator
    assert "Fargo (1996) — ★★★★★ 5" in reply.text and "Heat (1995) — ★★★★☆ 4" in reply.text
    notice, card = await say(running_bot, ALICE, "Fargo A+", replies=2)  # no silently dropped rating
    assert "couldn't read “A+” as a rating" in notice.text and card.text.startswith("Fargo (1996)")
    assert stored_ratings(running_bot, ALICE)[100] == 5.0
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_title_alone_shows_a_card_and_invalid_values_are_explained(running_bot: RunningBot) -> None:
    (card,) = await say(running_bot, ALICE, "Toy Story")
    assert card.text.startswith("Toy Story (1995)")
    (confirmation,) = await press(running_bot, ALICE, card, card.button("4★"))
    assert confirmation.method == "editMessageText" and confirmation.message_id == card.message_id
    assert stored_ratings(running_bot, ALICE) == {1: 4.0}
    (reply,) = await say(running_bot, ALICE, "Fargo 7")
    assert "outside the scale" in reply.text
    (reply,) = await say(running_bot, ALICE, "hello there, how are you")
    assert "Fargo 5" in reply.text  # the helpful example
    assert stored_ratings(running_bot, ALICE) == {1: 4.0}


async def test_ambiguous_title_is_resolved_by_a_button(running_bot: RunningBot) -> None:
    (question,) = await say(running_bot, ALICE, "star trek - 4/5")
    assert "which one did you mean?" in question.text
    assert stored_ratings(running_bot, ALICE) == {}  # never rated silently
    (confirmation,) = await press(running_bot, ALICE, question, question.button("Star Trek IV"))
    assert "Star Trek IV: The Voyage Home (1986)" in confirmation.text
    assert stored_ratings(running_bot, ALICE) == {230: 4.0}
    (question,) = await say(running_bot, ALICE, "batman 3")  # 3 stars for which Batman? no title holds a 3
    assert stored_ratings(running_bot, ALICE) == {230: 4.0}
    (confirmation,) = await press(running_bot, ALICE, question, question.button("Batman Forever (1995) — 3★"))
    assert confirmation.method == "editMessageText" and "Batman Forever (1995) — ★★★☆☆ 3" in confirmation.text
    assert stored_ratings(running_bot, ALICE) == {230: 4.0, 29: 3.0}
    (question,) = await say(running_bot, ALICE, "star trek 3")  # Star Trek III, or 3 stars for another one
    (card,) = await press(running_bot, ALICE, question, question.button("Star Trek III"))
    assert card.method == "sendMessage" and card.text.startswith("Star Trek III: The Search for Spock (1984)")
    assert stored_ratings(running_bot, ALICE) == {230: 4.0, 29: 3.0}  # the sequel was meant: no rating
    (confirmation,) = await press(running_bot, ALICE, question, question.button("First Contact (1996) — 3★"))
    assert "Star Trek: First Contact (1996) — ★★★☆☆ 3" in confirmation.text
    assert stored_ratings(running_bot, ALICE) == {230: 4.0, 29: 3.0, 222: 3.0}
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_a_title_with_another_number_is_asked_about_never_rated(running_bot: RunningBot) -> None:
    for message in ("back to the future part 2 4", "toy story 2 5", "robocop 4", "rocky 3", "robocop 2 3"):
        (question,) = await say(running_bot, ALICE, message)
        assert "I couldn't find" in question.text and "Did you mean one of these?" in question.text
    assert stored_ratings(running_bot, ALICE) == {}
    (question,) = await say(running_bot, ALICE, "star trek 2 5")  # the second film has no number in its title
    assert stored_ratings(running_bot, ALICE) == {}
    (confirmation,) = await press(running_bot, ALICE, question, question.button("The Wrath of Khan (1982) — 5★"))
    assert "Star Trek: The Wrath of Khan (1982) — ★★★★★ 5" in confirmation.text
    assert stored_ratings(running_bot, ALICE) == {228: 5.0}
    (question,) = await say(running_bot, ALICE, "Star Wars: Episode IV - A New Hope 5")
    await press(running_bot, ALICE, question, question.button("Star Wars (1977) — 5★"))
    assert stored_ratings(running_bot, ALICE) == {228: 5.0, 50: 5.0}
    (reply,) = await say(running_bot, ALICE, "qwxzzy 3")
    assert "I couldn't find “qwxzzy”" in reply.text and "/search star wars" in reply.text
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_a_bare_rating_answers_the_last_card(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "4.5")  # no card yet: which movie?
    assert "Which movie" in reply.text and "Heat 4.5" in reply.text
    (card,) = await say(running_bot, ALICE, "Heat")
    assert "How many stars would you give it?" in card.text
    (reply,) = await say(running_bot, ALICE, "4 1/2")  # half stars have no button on the card
    assert "✓ Heat (1995) — ★★★★½ 4.5" in reply.text and stored_ratings(running_bot, ALICE) == {273: 4.5}
    (reply,) = await say(running_bot, ALICE, "3.5")  # the card was answered: asked again, nothing changed
    assert "Which movie" in reply.text and stored_ratings(running_bot, ALICE) == {273: 4.5}
    await say(running_bot, ALICE, "Fargo")
    await say(running_bot, ALICE, "Casablanca 4")  # another message moves on from Fargo's card
    (reply,) = await say(running_bot, ALICE, "3.5")
    assert "Which movie" in reply.text and 100 not in stored_ratings(running_bot, ALICE)
    await say(running_bot, ALICE, "Heat, Fargo", replies=2)  # two cards: a bare value could be for either
    (reply,) = await say(running_bot, ALICE, "3.5")
    assert "Which movie" in reply.text and stored_ratings(running_bot, ALICE) == {273: 4.5, 483: 4.0}
    await say(running_bot, ALICE, "Fargo")
    (reply,) = await say(running_bot, ALICE, "6")
    assert "Fargo (1996)" in reply.text and "outside the scale" in reply.text and 100 not in stored_ratings(
        running_bot, ALICE)
    (reply,) = await say(running_bot, ALICE, "five stars")
    assert "✓ Fargo (1996) — ★★★★★ 5" in reply.text
    (card,) = await say(running_bot, ALICE, "Seven")  # a title that is a number word stays a title
    assert card.text.startswith("Seven (Se7en) (1995)")
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_titles_holding_years_and_ratings_joined_by_and(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "Blues Brothers 2000 4")
    assert "✓ Blues Brothers 2000 (1998) — ★★★★☆ 4" in reply.text
    (reply,) = await say(running_bot, ALICE, "Fargo 5 and Heat 4")
    assert "Fargo (1996) — ★★★★★ 5" in reply.text and "Heat (1995) — ★★★★☆ 4" in reply.text
    (reply,) = await say(running_bot, ALICE, "Ghost 4")
    assert "✓ Ghost (1990) — ★★★★☆ 4" in reply.text
    assert stored_ratings(running_bot, ALICE) == {362: 4.0, 100: 5.0, 273: 4.0, 402: 4.0}
    (question,) = await say(running_bot, ALICE, "Fargo 5 Hxqz 4")  # the stars belong to no suggestion
    assert question.buttons and "Fargo (1996)" in question.buttons[0][0]["text"]
    assert not any("★" in button["text"] for row in question.buttons for button in row)
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_chat_words_get_help_not_a_movie(running_bot: RunningBot) -> None:
    for message in ("thanks", "more", "yes", "cool", "ok thanks!"):
        (reply,) = await say(running_bot, ALICE, message)
        assert "Fargo 5" in reply.text and not reply.buttons, message  # the help, with an example
    assert stored_ratings(running_bot, ALICE) == {}


async def test_recommend_buttons_rate_dismiss_and_more(running_bot: RunningBot) -> None:
    await say(running_bot, ALICE, "Star Wars 5, Empire Strikes Back 5, Return of the Jedi 4.5, Raiders of the Lost Ark 4")
    header, *cards, footer = await say(running_bot, ALICE, "/recommend", replies=7)
    assert "personal picks" in header.text and len(cards) == 5
    assert all("You'd rate it about" in c.text for c in cards)
    first_ids = [int(c.button("Seen it").split("|")[2]) for c in cards]
    (dismissed,) = await press(running_bot, ALICE, cards[0], cards[0].button("Not interested"))
    assert "won't suggest it again" in dismissed.text
    (prompt,) = await press(running_bot, ALICE, cards[1], cards[1].button("Seen it"))  # more: test_bot_feedback
    await press(running_bot, ALICE, prompt, prompt.button("4★"))
    assert stored_ratings(running_bot, ALICE)[first_ids[1]] == 4.0
    _, *more_cards, _ = await press(running_bot, ALICE, footer, footer.button("More"), replies=7)
    more_ids = [int(c.button("Seen it").split("|")[2]) for c in more_cards]
    assert more_cards[0].text.startswith("6.") and not set(more_ids) & set(first_ids[:2])
    _, *again, _ = await say(running_bot, ALICE, "/recommend 10", replies=12)
    again_ids = [int(c.button("Seen it").split("|")[2]) for c in again]
    assert first_ids[0] not in again_ids and first_ids[1] not in again_ids
    with running_bot.sessions().begin() as session:
        assert access.dismissed_movie_ids(session, ALICE.id) == {first_ids[0]}
        assert access.count_rows_for_user(session, ALICE.id)["impressions"] == 20
    assert_every_acknowledged_rating_is_stored(running_bot, ALICE)


async def test_few_ratings_get_generic_picks_and_a_genre(running_bot: RunningBot) -> None:
    header, *cards, _ = await say(running_bot, BOB, "/recommend 3 comedy", replies=5)
    assert "generic" in header.text and "in Comedy" in header.text
    assert "rated 0 movies. Rate a few movies (e.g." in header.text
    assert all("Comedy" in c.text for c in cards)
    (reply,) = await say(running_bot, BOB, "/recommend 3 spaghetti")
    assert "I don't know the genre" in reply.text
    (imax,) = await say(running_bot, BOB, "/recommend imax")  # listed by MovieLens, but no 100k film has it
    assert "I don't know the genre “imax”" in imax.text and "IMAX" not in imax.text.split("Try one of")[1]
    assert "Children" in imax.text and "Film-Noir" in imax.text
    with running_bot.sessions().begin() as session:
        shown_before = access.count_rows_for_user(session, BOB.id)["impressions"]
    (reply,) = await say(running_bot, BOB, "/recommend comedy drama horror action")  # one genre too many
    assert "Name up to 3 genres at a time" in reply.text
    with running_bot.sessions().begin() as session:
        assert access.count_rows_for_user(session, BOB.id)["impressions"] == shown_before  # nothing was shown
    header, *cards, _ = await say(running_bot, BOB, "/recommend 3 children's", replies=5)
    assert "in Children" in header.text and all("Children" in c.text for c in cards)
    header, *cards, footer = await say(running_bot, BOB, "/recommend 10 comedy romance", replies=12)
    assert "in Comedy or Romance" in header.text
    assert all("Comedy" in c.text or "Romance" in c.text for c in cards)
    assert any("Romance" in c.text for c in cards) and any("Comedy" in c.text for c in cards)
    _, *more, _ = await press(running_bot, BOB, footer, footer.button("More"), replies=12)
    assert more[0].text.startswith("11.") and all("Comedy" in c.text or "Romance" in c.text for c in more)


async def test_the_last_page_of_a_list_says_it_is_all(running_bot: RunningBot) -> None:
    total = len(running_bot.services.holder.current.recommend({}, k=200, genres=["Film-Noir"]))
    assert 10 < total < 100
    (*_, footer) = await say(running_bot, BOB, "/recommend 10 noir", replies=12)
    for _ in range(total // 10 - 1):
        (*_, footer) = await press(running_bot, BOB, footer, footer.button("More"), replies=12)
        assert footer.text == "Want more?"
    last = total % 10  # the last page is short: its picks, then the end of the list instead of "more"
    outputs = await press(running_bot, BOB, footer, footer.button("More"), replies=last + 2 if last else 1)
    assert len(outputs) == (last + 2 if last else 1) and outputs[-1].buttons == []
    assert outputs[-1].text.startswith("That's all I have in Film-Noir for now.")


async def test_myratings_pages_newest_first(running_bot: RunningBot) -> None:
    titles = ["Fargo", "Heat", "Casablanca", "Toy Story", "Seven", "Alien", "Aliens", "Jaws", "Vertigo",
              "Psycho", "Clerks", "Braveheart"]
    for title in titles:
        await say(running_bot, ALICE, f"{title} 4")
    first, = await say(running_bot, ALICE, "/myratings")
    assert "Your ratings (12)" in first.text and "page 1 of 2" in first.text
    assert first.text.splitlines()[1].endswith("Braveheart (1995)")  # newest first
    second, = await press(running_bot, ALICE, first, first.button("Older"))
    assert second.method == "editMessageText" and "page 2 of 2" in second.text
    assert len(second.text.splitlines()) == 3 and second.text.splitlines()[-1].endswith("Fargo (1996)")
    back, = await press(running_bot, ALICE, second, second.button("Newer"))
    assert "page 1 of 2" in back.text


async def test_forget_deletes_every_row_after_confirmation(running_bot: RunningBot) -> None:
    await say(running_bot, ALICE, "Fargo 5, Heat 4")
    await say(running_bot, ALICE, "/recommend 2", replies=4)
    question, = await say(running_bot, ALICE, "/forget")
    cancelled, = await press(running_bot, ALICE, question, question.button("Cancel"))
    assert "nothing was deleted" in cancelled.text
    assert len(stored_ratings(running_bot, ALICE)) == 2
    question, = await say(running_bot, ALICE, "/forget")
    assert "(2 ratings, " in question.text and "movies shown)" in question.text
    done, = await press(running_bot, ALICE, question, question.button("Yes, delete"))
    assert "everything about you is deleted" in done.text
    await assert_quiet(running_bot, ALICE.id)
    with running_bot.sessions().begin() as session:
        assert set(access.count_rows_for_user(session, ALICE.id).values()) == {0}


async def test_stats_is_for_admins_only(running_bot: RunningBot) -> None:
    reply, = await say(running_bot, ALICE, "/stats")
    assert "I don't know the command /stats" in reply.text
    admin = TgUser(id=ADMIN_ID, first_name="Admin")
    reply, = await say(running_bot, admin, "/stats")
    assert "Users: 2" in reply.text and "Model version: test-ease" in reply.text


async def test_group_chat_answers_commands_only(running_bot: RunningBot) -> None:
    group = {"id": -100500, "type": "group", "title": "Film club"}
    emulator = running_bot.emulator
    await emulator.send_text(ALICE, "Fargo 5", chat=group)
    await emulator.send_text(ALICE, "/help@some_other_bot", chat=group)
    await assert_quiet(running_bot, group["id"], 0.5)
    await emulator.send_text(ALICE, "/help@movierec_test_bot", chat=group)
    (help_reply,) = await emulator.wait_for_replies(group["id"], 1)
    assert "/recommend" in help_reply.text
    assert stored_ratings(running_bot, ALICE) == {}
    with running_bot.sessions().begin() as session:  # group chatter is not stored either
        assert access.count_rows_for_user(session, ALICE.id)["messages"] == 2  # the /help and its answer


async def test_forged_and_stale_buttons_get_a_polite_answer(running_bot: RunningBot) -> None:
    emulator = running_bot.emulator
    card, = await say(running_bot, ALICE, "Fargo")
    for forged in ("1|r|100|11", "garbage", "0|r|100|8", "1|r|99999999|8", "1|f|100002|1|y"):
        query_id = await emulator.press_button(ALICE, card, forged)
        answer = await emulator.wait_for_callback_answer(query_id)
        assert answer and ("no longer valid" in answer or "someone else" in answer)
    await assert_quiet(running_bot, ALICE.id)  # no error message, no reply
    assert stored_ratings(running_bot, ALICE) == {}


async def test_every_message_is_stored_and_every_callback_answered(running_bot: RunningBot) -> None:
    card, = await say(running_bot, ALICE, "Fargo")
    await press(running_bot, ALICE, card, card.button("5★"))
    await say(running_bot, ALICE, "Heat 4")
    answered = [p for m, p in running_bot.emulator.calls if m == "answerCallbackQuery"]
    assert [p["callback_query_id"] for p in answered] == ["1"]
    assert logged(running_bot, ALICE) == [
        ("in", "text", "Fargo"), ("out", "text", card.html), ("in", "callback", card.button("5★")),
        ("out", "callback", answered[0]["text"]), ("out", "text", "✓ <b>Fargo (1996)</b> — ★★★★★ 5"),
        ("in", "text", "Heat 4"), ("out", "text", "✓ <b>Heat (1995)</b> — ★★★★☆ 4")]


def logged(bot: RunningBot, user: TgUser) -> list[tuple[str, str, str]]:
    """The messages table's (direction, kind, text) of the user's chat, oldest first."""
    with bot.sessions().begin() as session:
        rows = session.scalars(select(Message).where(Message.chat_id == user.id).order_by(Message.id))
        return [(m.direction, m.kind, m.text) for m in rows]


async def test_flooding_user_gets_one_polite_reply(running_bot: RunningBot) -> None:
    for _ in range(25):
        await running_bot.emulator.send_text(BOB, "/help")
    replies = await running_bot.emulator.wait_for_replies(BOB.id, 21, timeout=20)
    assert sum("faster than I can keep up" in r.text for r in replies) == 1
    await assert_quiet(running_bot, BOB.id)
    messages = logged(running_bot, BOB)  # held back or not, every message is stored, and so is the reply
    assert [m for m in messages if m[0] == "in"] == [("in", "command", "/help")] * 25
    assert [m[2] for m in messages if m[0] == "out"].count(SLOW_DOWN) == 1
    assert len([m for m in messages if m[0] == "out"]) == 21


async def test_buttons_pressed_too_fast_are_stored_with_their_toast(running_bot: RunningBot) -> None:
    card, = await say(running_bot, ALICE, "Fargo")
    running_bot.application.bot_data.limiter = SlidingWindowLimiter(limit=0)  # every press is one too many
    query_id = await running_bot.emulator.press_button(ALICE, card, card.button("5★"))
    assert "faster than I can keep up" in await running_bot.emulator.wait_for_callback_answer(query_id)
    await assert_quiet(running_bot, ALICE.id)
    assert stored_ratings(running_bot, ALICE) == {}  # held back: not handled…
    assert logged(running_bot, ALICE)[-2:] == [("in", "callback", card.button("5★")),  # …but stored
                                               ("out", "callback", toast(SLOW_DOWN))]


async def test_a_failure_is_logged_and_the_user_told_without_internals(
        running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(incoming: object) -> None:
        raise RuntimeError("database exploded at /secret/path")

    monkeypatch.setattr(running_bot.services.conversation, "handle", broken)
    reply, = await say(running_bot, ALICE, "Fargo 5")
    assert "something went wrong" in reply.text and "exploded" not in reply.text
    assert any(r.exc_info and "database exploded" in str(r.exc_info[1]) for r in caplog.records)
    query_id = await running_bot.emulator.press_button(ALICE, reply, "1|r|100|10")
    await running_bot.emulator.wait_for_callback_answer(query_id)  # answered even though handling failed
    assert running_bot.emulator.token not in caplog.text
    (again,) = await running_bot.emulator.wait_for_replies(ALICE.id, 1)
    assert again.text == SORRY
    assert logged(running_bot, ALICE) == [("out", "text", SORRY)] * 2  # the apologies are stored too


async def test_concurrent_users_keep_their_own_order(running_bot: RunningBot) -> None:
    users = [TgUser(id=200_000 + i, first_name=f"User{i}") for i in range(6)]
    for user in users:  # all queued before the bot sees any: it handles them concurrently
        await running_bot.emulator.send_text(user, "Fargo 5")
        await running_bot.emulator.send_text(user, "Fargo 2")
    for user in users:
        first, second = await running_bot.emulator.wait_for_replies(user.id, 2)
        assert "★★★★★ 5" in first.text and "(was ★★★★★ 5)" in second.text
        assert stored_ratings(running_bot, user) == {100: 2.0}  # the later message wins, per user

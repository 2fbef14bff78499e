"""Onboarding by taste groups end to end over the Bot API emulator: /start offers groups built by the
recommender, taps are stored, the liked groups seed /recommend before any rating, and /myratings
lists them with a remove button — every step checked in the database."""

from __future__ import annotations

import html

import pytest

from db import access
from movierec.serving.history import LIKED_STARS
from tests.bot_support import (ALICE, BOB, RunningBot, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.emulator import BotOutput, TgUser
from tests.experience_support import movie_of, press, say, stored_ratings
from tests.test_bot_e2e import assert_quiet

pytestmark = pytest.mark.realdata


def card_movie(card: BotOutput) -> int:
    """The movie of an onboarding card (its buttons carry movie, stars, deck position)."""
    return int(card.button("Haven't seen").split("|")[2])


def liked(bot: RunningBot, user: TgUser) -> list[list[int]]:
    with bot.sessions().begin() as session:
        return [g.movie_id_list for g in access.liked_groups(session, user.id)]


async def test_start_offers_model_groups_and_stores_the_taps(running_bot: RunningBot) -> None:
    groups = running_bot.services.holder.current.movie_groups(6)
    recommender = running_bot.services.holder.current
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    lines = picker.text.splitlines()[1:]
    assert len(lines) == len(groups) == 6
    for line, group in zip(lines, groups, strict=True):
        assert line.startswith("▫️") and group.label in line
        assert all(recommender.movie(m).display_title in line for m in group.movie_ids)
    first, third = picker.buttons[0][0]["callback_data"], picker.buttons[1][0]["callback_data"]
    (picker,) = await press(running_bot, ALICE, picker, first)
    (picker,) = await press(running_bot, ALICE, picker, third)
    assert picker.method == "editMessageText" and picker.text.count("✅") == 2
    assert liked(running_bot, ALICE) == [list(groups[0].movie_ids), list(groups[2].movie_ids)]
    (picker,) = await press(running_bot, ALICE, picker, first)  # a second tap takes it back
    assert liked(running_bot, ALICE) == [list(groups[2].movie_ids)]
    done, card = await press(running_bot, ALICE, picker, picker.button("Done"), replies=2)
    assert "You liked 1 group" in done.text and "0/5 rated" in card.text


async def test_liked_groups_seed_picks_before_any_rating(running_bot: RunningBot) -> None:
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    group_data = picker.buttons[1][1]["callback_data"]
    await press(running_bot, ALICE, picker, group_data)
    seeds = [int(m) for m in group_data.split("|")[2:]]
    header, *cards, _ = await say(running_bot, ALICE, "/recommend", replies=7)
    assert "from the groups you liked" in header.text
    reasons = [c.text.splitlines()[-1] for c in cards]
    label = next(g.label for g in running_bot.services.holder.current.movie_groups(6) if list(g.movie_ids) == seeds)
    assert any(html.unescape(r).endswith(f"liked the {label} group") for r in reasons)  # named by its label
    assert not any("because you rated" in r for r in reasons)  # a liked group is never passed off as a rating
    picks = [movie_of(c) for c in cards]
    expected = running_bot.services.holder.current.recommend({}, k=5, liked=seeds)
    assert picks == [p.movie_id for p in expected] and not set(picks) & set(seeds)
    _, *generic, _ = await say(running_bot, BOB, "/recommend", replies=7)  # no groups: the popular list
    assert [movie_of(c) for c in generic] != picks
    with running_bot.sessions().begin() as session:
        assert access.get_ratings(session, ALICE.id) == {}  # a liked group is not a rating


async def test_myratings_lists_liked_groups_and_removes_one(running_bot: RunningBot) -> None:
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    (picker,) = await press(running_bot, ALICE, picker, picker.buttons[0][1]["callback_data"])
    (picker,) = await press(running_bot, ALICE, picker, picker.buttons[1][0]["callback_data"])
    (page,) = await say(running_bot, ALICE, "/myratings")
    assert "haven't rated anything" in page.text and "Liked groups" in page.text
    await say(running_bot, ALICE, "Fargo 4")
    (page,) = await say(running_bot, ALICE, "/myratings")
    assert "Your ratings (1)" in page.text and "Liked groups" in page.text
    first, second = liked(running_bot, ALICE)
    query_id = await running_bot.emulator.press_button(ALICE, page, page.button("Remove liked group 1"))
    (redrawn,) = await running_bot.emulator.wait_for_replies(ALICE.id, 1)
    assert "Removed" in await running_bot.emulator.wait_for_callback_answer(query_id)
    assert liked(running_bot, ALICE) == [second]
    # the list is redrawn in place, without the removed group
    assert redrawn.method == "editMessageText" and redrawn.message_id == page.message_id
    assert "Your ratings (1)" in redrawn.text and "Fargo (1996)" in redrawn.text
    recommender = running_bot.services.holder.current
    assert "👍 1. " + recommender.movie(second[0]).display_title in redrawn.text
    assert recommender.movie(first[0]).display_title not in redrawn.text
    assert [b["text"] for row in redrawn.buttons for b in row] == ["🗑 Remove liked group 1"]
    (redrawn,) = await press(running_bot, ALICE, redrawn, redrawn.button("Remove liked group 1"))
    assert "Liked groups" not in redrawn.text and redrawn.buttons == [] and liked(running_bot, ALICE) == []


async def test_what_myratings_says_of_liked_groups_is_what_the_picks_do(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    await press(running_bot, ALICE, picker, picker.buttons[0][0]["callback_data"])
    (seeds,) = liked(running_bot, ALICE)
    await say(running_bot, ALICE, "Heat 4, Toy Story 5, Fargo 5, Alien 4, Babe 3, Clueless 2")  # "rated more"
    (page,) = await say(running_bot, ALICE, "/myratings")
    assert f"each of their movies counts as a ★{LIKED_STARS:g} rating in your picks until you rate it" in page.text
    rated = stored_ratings(running_bot, ALICE)
    _, *cards, _ = await say(running_bot, ALICE, "/recommend", replies=7)
    as_ratings = recommender.recommend({**dict.fromkeys(seeds, LIKED_STARS), **rated}, k=5)
    assert [movie_of(c) for c in cards] == [p.movie_id for p in as_ratings]  # still there, at ★3.5
    await say(running_bot, ALICE, f"/rate {recommender.movie(seeds[0]).display_title} 1")
    _, *cards, _ = await say(running_bot, ALICE, "/recommend", replies=7)
    rated = stored_ratings(running_bot, ALICE)
    assert rated[seeds[0]] == 1.0
    as_ratings = recommender.recommend({**dict.fromkeys(seeds, LIKED_STARS), **rated}, k=5)
    assert [movie_of(c) for c in cards] == [p.movie_id for p in as_ratings]  # the user's own rating replaced it


async def test_groups_can_be_picked_again_any_time(running_bot: RunningBot) -> None:
    assert "groups" in {c["command"] for c in running_bot.emulator.commands}
    (help_text,) = await say(running_bot, ALICE, "/help")
    assert "/groups — " in help_text.text
    await say(running_bot, ALICE, "Heat 4, Toy Story 5, Fargo 5, Alien 4, Babe 3")
    welcome, hint = await say(running_bot, ALICE, "/start", replies=2)  # five ratings: /start offers no groups…
    assert "Welcome back" in welcome.text and "/recommend" in hint.text and not hint.buttons
    groups = running_bot.services.holder.current.movie_groups(6)
    (picker,) = await say(running_bot, ALICE, "/groups")  # …but /groups does
    assert picker.text.count("▫️") == 6 and picker.button("Done")
    (picker,) = await press(running_bot, ALICE, picker, picker.buttons[2][0]["callback_data"])
    assert picker.text.count("✅") == 1 and liked(running_bot, ALICE) == [list(groups[4].movie_ids)]
    (done,) = await press(running_bot, ALICE, picker, picker.button("Done"))  # no rating card: rated enough
    assert "You liked 1 group" in done.text and "/recommend" in done.text
    (picker,) = await say(running_bot, ALICE, "/groups")  # the liked group comes back ticked
    assert picker.text.count("✅") == 1 and picker.text.splitlines()[5].startswith("✅")
    (picker,) = await say(running_bot, ALICE, "/groups <b>drop table</b> ∞")  # arguments mean nothing here
    assert picker.text.count("✅") == 1 and liked(running_bot, ALICE) == [list(groups[4].movie_ids)]
    await assert_quiet(running_bot, ALICE.id)


async def test_a_forged_group_is_refused_politely(running_bot: RunningBot) -> None:
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    query_id = await running_bot.emulator.press_button(ALICE, picker, "1|g|1|2|3|999999")
    assert "no longer valid" in await running_bot.emulator.wait_for_callback_answer(query_id)
    query_id = await running_bot.emulator.press_button(ALICE, picker, "1|h|12345")
    assert "already removed" in await running_bot.emulator.wait_for_callback_answer(query_id)
    assert liked(running_bot, ALICE) == []


async def test_a_card_not_seen_is_remembered_never_offered_again_and_forgotten_by_forget(
        running_bot: RunningBot) -> None:
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    _, card = await press(running_bot, ALICE, picker, picker.button("Done"), replies=2)
    skipped_id = card_movie(card)
    _, next_card = await press(running_bot, ALICE, card, card.button("Haven't seen"), replies=2)
    with running_bot.sessions().begin() as session:
        assert access.not_seen_movie_ids(session, ALICE.id) == {skipped_id}
        assert access.dismissed_movie_ids(session, ALICE.id) == set()  # not seen is not "not interested"
    assert card_movie(next_card) != skipped_id
    await press(running_bot, ALICE, next_card, next_card.button("4★"), replies=2)
    _, card = await say(running_bot, ALICE, "/start", replies=2)  # later: the skipped card stays away
    assert card_movie(card) not in (skipped_id, card_movie(next_card))
    (question,) = await say(running_bot, ALICE, "/forget")
    assert "(1 rating, 1 movie not seen, " in question.text and "movies shown)" in question.text
    await press(running_bot, ALICE, question, question.button("Yes, delete"))
    with running_bot.sessions().begin() as session:
        assert access.count_rows_for_user(session, ALICE.id)["not_seen"] == 0
    _, picker = await say(running_bot, ALICE, "/start", replies=2)  # a new account starts the deck afresh
    _, card = await press(running_bot, ALICE, picker, picker.button("Done"), replies=2)
    assert card_movie(card) == skipped_id

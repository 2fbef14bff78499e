"""Feedback under every pick, end to end over the Bot API emulator, checking the database:
seen it → rate, not interested, save for later, more like this; batches of 5 with "more" (which
continues its list, whatever was done to the picks meanwhile); typing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.conversation.callbacks import Details, encode
from db import access
from db.models import Impression
from tests.bot_support import (ALICE, BOB, RunningBot, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.experience_support import movie_of, press, press_for_toast, rated_four, say, stored_ratings, watchlist

pytestmark = pytest.mark.realdata

STAR_WARS, EMPIRE, JEDI = 50, 172, 181
FEEDBACK = ("Seen it", "Save for later", "Not interested", "More like this", "Tell me more")


async def test_picks_come_five_at_a_time_each_with_every_feedback_button(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    header, *cards, footer = await say(running_bot, ALICE, "/recommend", replies=7)
    assert len(cards) == 5 and [c.text.split(".")[0] for c in cards] == ["1", "2", "3", "4", "5"]
    for card in cards:
        assert all(card.button(label) for label in FEEDBACK)
        assert all(len(data.encode()) <= 64 for data in card.callback_data)
        assert len({data.rsplit("|", 1)[1] for data in card.callback_data}) == 1  # all about this pick
    _, *more, _ = await press(running_bot, ALICE, footer, footer.button("More"), replies=7)
    assert [c.text.split(".")[0] for c in more] == ["6", "7", "8", "9", "10"]


async def test_more_continues_the_list_after_picks_were_acted_on(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    await rated_four(running_bot, ALICE)
    top_ten = [p.movie_id for p in recommender.recommend(stored_ratings(running_bot, ALICE), k=10)]
    _, *cards, footer = await say(running_bot, ALICE, "/recommend", replies=7)
    first_page = [movie_of(c) for c in cards]
    assert first_page == top_ten[:5]
    await press(running_bot, ALICE, cards[0], cards[0].button("Not interested"))
    await press_for_toast(running_bot, ALICE, cards[2], cards[2].button("Save"))
    header, *more, second_footer = await press(running_bot, ALICE, footer, footer.button("More"), replies=7)
    second_page = [movie_of(c) for c in more]
    assert header.text == "More picks:" and [c.text.split(".")[0] for c in more] == ["6", "7", "8", "9", "10"]
    assert not set(second_page) & set(first_page)
    assert second_page == top_ten[5:]  # exactly what the first list had next: nothing repeated, nothing skipped
    # a rating changes what comes next, but never brings back what the list has shown
    (prompt,) = await press(running_bot, ALICE, more[0], more[0].button("Seen it"))
    await press(running_bot, ALICE, prompt, prompt.button("4★"))
    _, *third, _ = await press(running_bot, ALICE, second_footer, second_footer.button("More"), replies=7)
    expected = recommender.recommend(stored_ratings(running_bot, ALICE), k=5, exclude=first_page + second_page)
    assert [movie_of(c) for c in third] == [p.movie_id for p in expected]
    assert [c.text.split(".")[0] for c in third] == ["11", "12", "13", "14", "15"]
    with running_bot.sessions().begin() as session:
        rows = list(session.scalars(select(Impression).where(Impression.user_id == ALICE.id)
                                    .order_by(Impression.rank)))
    assert len({r.list_id for r in rows}) == 1 and [r.rank for r in rows] == list(range(1, 16))
    assert [r.movie_id for r in rows] == first_page + second_page + [p.movie_id for p in expected]
    # Bob cannot page through Alice's list: the button is refused and nothing is recorded for him
    bob_says_hi = (await say(running_bot, BOB, "Fargo"))[0]
    toast = await press_for_toast(running_bot, BOB, bob_says_hi, footer.button("More"))
    assert toast is not None and "no longer valid" in toast
    with running_bot.sessions().begin() as session:
        assert access.count_rows_for_user(session, BOB.id)["impressions"] == 0


async def test_a_saved_pick_leaves_the_next_lists_until_taken_off_the_watchlist(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    await rated_four(running_bot, ALICE)
    _, first, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    saved = movie_of(first)
    await press_for_toast(running_bot, ALICE, first, first.button("Save"))
    assert watchlist(running_bot, ALICE) == {saved}
    _, *cards, _ = await say(running_bot, ALICE, "/recommend", replies=7)
    expected = recommender.recommend(stored_ratings(running_bot, ALICE), k=5, exclude=[saved])
    assert [movie_of(c) for c in cards] == [p.movie_id for p in expected] and saved not in expected
    _, entry = await say(running_bot, ALICE, "/watchlist", replies=2)
    await press(running_bot, ALICE, entry, entry.button("Remove"))
    _, top, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    assert movie_of(top) == saved and watchlist(running_bot, ALICE) == set()


async def test_a_title_alone_asks_for_stars_with_no_number_to_anchor_on(running_bot: RunningBot) -> None:
    (card,) = await say(running_bot, ALICE, "Casablanca")
    assert "How many stars" in card.text and "★" not in card.text and "average" not in card.text
    await say(running_bot, ALICE, "Casablanca 5")
    (card,) = await say(running_bot, ALICE, "Casablanca")  # rated: nothing is asked, so the facts are shown
    assert "Your rating: " in card.text and "average from" in card.text


async def test_seen_it_asks_for_stars_without_a_prediction_then_stores_them(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    movie_id = movie_of(first)
    assert "You'd rate it about" in first.text  # the pick shows the prediction…
    (prompt,) = await press(running_bot, ALICE, first, first.button("Seen it"))
    assert prompt.method == "editMessageText" and prompt.message_id == first.message_id
    assert "How many stars" in prompt.text and "rate it about" not in prompt.text  # …the prompt does not
    assert "★" not in prompt.text.split("How many")[0]
    assert [b["text"] for b in prompt.buttons[0]] == ["1★", "2★", "3★", "4★", "5★"]
    assert stored_ratings(running_bot, ALICE).get(movie_id) is None
    (confirmation,) = await press(running_bot, ALICE, prompt, prompt.button("3★"))
    assert confirmation.text.startswith("✓") and stored_ratings(running_bot, ALICE)[movie_id] == 3.0
    _, *cards, _ = await say(running_bot, ALICE, "/recommend 10", replies=12)
    assert movie_id not in [movie_of(c) for c in cards]


async def test_not_interested_is_stored_and_never_comes_back(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, *_, footer = await say(running_bot, ALICE, "/recommend", replies=7)
    dismissed = movie_of(first)
    (reply,) = await press(running_bot, ALICE, first, first.button("Not interested"))
    assert "won't suggest it again" in reply.text
    with running_bot.sessions().begin() as session:
        assert access.dismissed_movie_ids(session, ALICE.id) == {dismissed}
    shown = []
    for _ in range(3):  # the next pages, then a fresh list
        _, *cards, footer = await press(running_bot, ALICE, footer, footer.button("More"), replies=7)
        shown += [movie_of(c) for c in cards]
    _, *cards, _ = await say(running_bot, ALICE, "/recommend 10", replies=12)
    shown += [movie_of(c) for c in cards]
    assert dismissed not in shown


async def test_save_for_later_puts_the_pick_on_the_watchlist_once(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, second, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    assert "Saved to your /watchlist" in await press_for_toast(running_bot, ALICE, first, first.button("Save"))
    assert "already on your /watchlist" in await press_for_toast(running_bot, ALICE, first, first.button("Save"))
    await press_for_toast(running_bot, ALICE, second, second.button("Save"))
    assert watchlist(running_bot, ALICE) == {movie_of(first), movie_of(second)}
    assert running_bot.emulator.pending(ALICE.id) == []  # the cards stay as they were


async def test_similar_leaves_out_dismissed_movies_and_marks_rated_ones(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    await rated_four(running_bot, ALICE)
    rated = stored_ratings(running_bot, ALICE)
    (listed,) = await say(running_bot, ALICE, "/similar Star Wars (1977)")
    similar = [s.movie_id for s in recommender.similar(STAR_WARS, k=8)]
    assert {EMPIRE, JEDI} <= set(similar)  # rated by Alice: shown, with her stars
    unrated = [m for m in similar if m not in rated]
    lines = listed.text.splitlines()[1:]
    for movie_id, line, row in zip(similar, lines, listed.buttons, strict=True):
        title = recommender.movie(movie_id).display_title
        assert line.split(". ", 1)[1].startswith(title)
        if movie_id in rated:
            assert line.endswith(f"— your ★{rated[movie_id]:g}") and "your ★" in row[0]["text"]
        else:
            assert "your ★" not in line and "your ★" not in row[0]["text"]
    # "not interested" (under a pick or a details card) takes a movie out of every similar list
    (card,) = await press(running_bot, ALICE, listed, encode(Details(unrated[0])))
    await press(running_bot, ALICE, card, card.button("Not interested"))
    (listed,) = await say(running_bot, ALICE, "/similar Star Wars (1977)")
    expected = [s.movie_id for s in recommender.similar(STAR_WARS, k=8, exclude=[unrated[0]])]
    assert [int(row[0]["callback_data"].rsplit("|", 1)[1]) for row in listed.buttons] == expected
    assert unrated[0] not in expected and expected[:7] == [m for m in similar if m != unrated[0]]


async def test_more_like_this_lists_the_similar_movies(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    (similar,) = await press(running_bot, ALICE, first, first.button("More like this"))
    expected = running_bot.services.holder.current.similar(movie_of(first), k=8)
    assert similar.text.startswith("Movies like")
    assert [line.split(". ", 1)[1].split(" · ")[0] for line in similar.text.splitlines()[1:]] == [
        s.title for s in expected]


async def test_typing_is_shown_before_picks_are_computed(running_bot: RunningBot) -> None:
    emulator = running_bot.emulator
    await rated_four(running_bot, ALICE)
    assert "sendChatAction" not in emulator.methods_called()  # a rating message is quick
    _, *_, footer = await say(running_bot, ALICE, "/recommend", replies=7)
    await press(running_bot, ALICE, footer, footer.button("More"), replies=7)
    calls = emulator.calls
    typing = [i for i, (method, params) in enumerate(calls)
              if method == "sendChatAction" and params.get("action") == "typing"
              and int(params["chat_id"]) == ALICE.id]
    assert len(typing) == 2
    headers = [i for i, (method, params) in enumerate(calls)
               if method == "sendMessage" and "picks" in str(params.get("text", ""))]
    assert len(headers) == 2 and typing[0] < headers[0] < typing[1] < headers[1]


async def test_a_server_refusing_the_typing_action_still_gets_the_picks(running_bot: RunningBot) -> None:
    running_bot.emulator.refused_methods.add("sendChatAction")
    header, *cards, _ = await say(running_bot, ALICE, "/recommend 3", replies=5)
    assert "Picks" in header.text and len(cards) == 3

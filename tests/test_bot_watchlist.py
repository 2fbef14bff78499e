"""/watchlist end to end over the Bot API emulator: paging, "seen it → rate", "remove", and rating a
saved movie (by button or by message) taking it off the watchlist — each checked in the database."""

from __future__ import annotations

import pytest

from tests.bot_support import (ALICE, RunningBot, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.emulator import BotOutput
from tests.experience_support import movie_of, press, press_for_toast, rated_four, say, stored_ratings, watchlist

pytestmark = pytest.mark.realdata


async def save_picks(bot: RunningBot, count: int) -> list[int]:
    """Save the first ``count`` picks of /recommend; their movie ids, in the order saved."""
    await rated_four(bot, ALICE)
    _, *cards, _ = await say(bot, ALICE, f"/recommend {count}", replies=count + 2)
    for card in cards:
        await press_for_toast(bot, ALICE, card, card.button("Save"))
    return [movie_of(card) for card in cards]


def entry_ids(entries: list[BotOutput]) -> list[int]:
    return [movie_of(e) for e in entries]


async def test_an_empty_watchlist_says_how_to_fill_it(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "/watchlist")
    assert "watchlist is empty" in reply.text and "Save for later" in reply.text


async def test_watchlist_pages_newest_first(running_bot: RunningBot) -> None:
    saved = await save_picks(running_bot, 7)
    header, *entries, nav = await say(running_bot, ALICE, "/watchlist", replies=7)
    assert "watchlist (7)" in header.text and "page 1 of 2" in header.text
    assert entry_ids(entries) == saved[::-1][:5]
    assert all(e.button("Seen it") and e.button("Remove") for e in entries)
    header, *entries = await press(running_bot, ALICE, nav, nav.button("Older"), replies=3)
    assert "page 2 of 2" in header.text and entry_ids(entries) == saved[::-1][5:]


async def test_remove_and_seen_it_both_take_the_movie_off(running_bot: RunningBot) -> None:
    saved = await save_picks(running_bot, 3)
    _, newest, middle, oldest = await say(running_bot, ALICE, "/watchlist", replies=4)
    (removed,) = await press(running_bot, ALICE, oldest, oldest.button("Remove"))
    assert "removed from your watchlist" in removed.text and removed.message_id == oldest.message_id
    assert watchlist(running_bot, ALICE) == set(saved[1:])
    assert "wasn't on your watchlist" in await press_for_toast(running_bot, ALICE, oldest, oldest.button("Remove"))
    (prompt,) = await press(running_bot, ALICE, newest, newest.button("Seen it"))
    assert "How many stars" in prompt.text
    await press(running_bot, ALICE, prompt, prompt.button("5★"))
    assert stored_ratings(running_bot, ALICE)[saved[2]] == 5.0
    assert watchlist(running_bot, ALICE) == {saved[1]}
    title = middle.text.split(". ", 1)[1].split(" · ")[0]
    await say(running_bot, ALICE, f"{title} 2")  # rating by message takes it off too
    assert stored_ratings(running_bot, ALICE)[saved[1]] == 2.0 and watchlist(running_bot, ALICE) == set()
    (reply,) = await say(running_bot, ALICE, "/watchlist")
    assert "watchlist is empty" in reply.text


async def test_a_rated_movie_is_not_saved(running_bot: RunningBot) -> None:
    (card,) = await say(running_bot, ALICE, "/movie Fargo")
    await say(running_bot, ALICE, "Fargo 4")
    assert "already rated" in await press_for_toast(running_bot, ALICE, card, card.button("Save"))
    assert watchlist(running_bot, ALICE) == set()


async def test_not_interested_in_a_saved_pick_takes_it_off_the_watchlist(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, second, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    await press_for_toast(running_bot, ALICE, first, first.button("Save"))
    await press_for_toast(running_bot, ALICE, second, second.button("Save"))
    (reply,) = await press(running_bot, ALICE, first, first.button("Not interested"))
    assert "won't suggest it again and took it off your /watchlist" in reply.text
    assert watchlist(running_bot, ALICE) == {movie_of(second)}
    header, entry = await say(running_bot, ALICE, "/watchlist", replies=2)
    assert "watchlist (1)" in header.text and movie_of(entry) == movie_of(second)
    (reply,) = await press(running_bot, ALICE, second, second.button("Not interested"))
    assert "took it off" in reply.text and watchlist(running_bot, ALICE) == set()

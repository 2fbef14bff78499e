"""The details card ("tell me more" and /movie) end to end over the Bot API emulator.

Expected facts are read from the served recommender, never written into the test."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from bot.app import build_services
from bot.conversation import RecommenderHolder
from bot.conversation.callbacks import Group, encode
from bot.conversation.replies import stars
from movierec.artifacts import building_version
from movierec.serving import Catalog, Recommender
from tests.bot_support import (ALICE, RunningBot, Served, database_url, emulator,  # noqa: F401
                               make_settings, migrated_database, polling_bot, running_bot, served, services)
from tests.emulator import BotApiEmulator
from tests.experience_support import movie_of, pending, press, rated_four, say

pytestmark = pytest.mark.realdata

FARGO = 100
FARGO_ON_IMDB = "tt0116282"


async def test_movie_card_shows_the_facts_imdb_and_similar_movies(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    info = recommender.movie(FARGO)
    (card,) = await say(running_bot, ALICE, "/movie fargo")
    lines = card.text.splitlines()
    assert lines[0] == f"🎬 Fargo ({info.year})"
    assert f"Genres: {', '.join(info.genres)}" in lines
    picture = stars(round(info.rating_mean * 2) / 2).split()[0]  # as the rated title card draws it
    assert f"MovieLens: {picture} {info.rating_mean:.1f} average from {info.rating_count} ratings" in lines
    assert 'href="https://www.imdb.com/find/?q=Fargo+1996&amp;s=tt"' in card.html
    similar = [s.title for s in recommender.similar(FARGO, k=3)]
    assert f"Similar: {', '.join(similar)}" in lines
    assert lines[-1].startswith("Rate a few movies")  # nothing to explain from yet
    await say(running_bot, ALICE, "Heat 4")
    (card,) = await say(running_bot, ALICE, "/movie fargo")
    assert card.text.splitlines()[-1].startswith("For you: because you rated Heat (1995) ★4")
    assert movie_of(card) == FARGO and "Tell me more" not in str(card.buttons)
    await say(running_bot, ALICE, "Fargo 4.5")
    (card,) = await say(running_bot, ALICE, "/movie Fargo (1996)")
    assert card.text.splitlines()[-1] == "Your rating: ★★★★½ 4.5"
    assert "Save for later" not in str(card.buttons) and card.button("Seen it")  # rated: nothing to save


async def test_tell_me_more_gives_the_reason_the_pick_was_made(running_bot: RunningBot) -> None:
    await rated_four(running_bot, ALICE)
    _, first, *_ = await say(running_bot, ALICE, "/recommend", replies=7)
    (card,) = await press(running_bot, ALICE, first, first.button("Tell me more"))
    reason = first.text.splitlines()[-1]
    assert reason.startswith("because you rated")  # the pick's own explanation…
    assert card.text.splitlines()[-1] == f"For you: {reason}"  # …is what the card says
    assert card.text.splitlines()[0] == "🎬 " + html.unescape(first.text.split(". ", 1)[1].split(" · ")[0])
    (prompt,) = await press(running_bot, ALICE, card, card.button("Seen it"))
    assert "How many stars" in prompt.text


async def test_movie_asks_which_one_and_answers_politely(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "/movie")
    assert "Which movie?" in reply.text
    (reply,) = await say(running_bot, ALICE, "/movie qwxzv plonk")
    assert "couldn't find" in reply.text
    (question,) = await say(running_bot, ALICE, "/movie star trek")
    assert "Which" in question.text and len(question.buttons) > 1
    assert pending(running_bot) == ["which_movie"]  # so /cancel can end it, as for /similar and /unrate
    (card,) = await press(running_bot, ALICE, question, question.buttons[0][0]["callback_data"])
    assert card.text.startswith("🎬 Star Trek") and pending(running_bot) == []


async def test_a_liked_groups_movie_is_not_its_own_reason(running_bot: RunningBot) -> None:
    recommender = running_bot.services.holder.current
    # a movie of a group whose reason, from the group's other movies, names group movies
    group, movie, expected = next(
        (group, movie, reason) for group in recommender.movie_groups(6) for movie in group.movie_ids
        if (reason := recommender.reason({}, movie, liked=[m for m in group.movie_ids if m != movie]) or "")
        .startswith("because you liked the "))
    title = recommender.movie(movie).display_title
    _, picker = await say(running_bot, ALICE, "/start", replies=2)
    await press(running_bot, ALICE, picker, encode(Group(group.movie_ids)))
    (card,) = await say(running_bot, ALICE, f"/movie {title}")
    assert movie_of(card) == movie
    # liking the group made the movie part of Alice's history, yet only the group's other movies explain it
    assert card.text.splitlines()[-1] == f"For you: {html.unescape(expected)}" and title not in expected


async def test_the_imdb_link_is_the_movies_page_when_the_catalog_has_its_imdb_id(
        tmp_path: Path, database_url: str, served: Served, emulator: BotApiEmulator) -> None:  # noqa: F811
    movies = served.personal.catalog
    enriched = movies.assign(imdb_id=movies["movie_id"].map({FARGO: FARGO_ON_IMDB}).astype(object))
    manifest = {"models": {"retrieval": {"class": "movierec.models.ease:EaseModel", "folder": "retrieval"}}}
    with building_version(tmp_path / "artifacts", manifest) as staged:  # as training publishes an enriched catalog
        Catalog(enriched).save(staged.folder)
        served.personal.retrieval.save(staged.folder / "retrieval")
    services = build_services(make_settings(database_url), RecommenderHolder(Recommender.load(tmp_path / "artifacts")),
                              matcher=served.matcher)
    async with polling_bot(emulator, services) as bot:
        (card,) = await say(bot, ALICE, "/movie fargo")
        assert f'<a href="https://www.imdb.com/title/{FARGO_ON_IMDB}/">' in card.html
        (card,) = await say(bot, ALICE, "/movie heat")  # no IMDb id known: the search, as before
        assert '<a href="https://www.imdb.com/find/?q=Heat+1995&amp;s=tt">' in card.html
    services.engine.dispose()

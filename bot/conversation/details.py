"""The details card ("tell me more" and /movie <title>): facts from the data, an IMDb link, similar
movies, and either the user's own rating or why the movie suits them.

The link goes to the movie's IMDb page when the catalog has its IMDb id (the Kaggle enrichment adds
them). MovieLens 100k alone carries none (only dead 1998 search URLs), so then the link is an IMDb
*search* for the title and year: it lands on the right film, or on a short list containing it.
"""

from __future__ import annotations

import html
from urllib.parse import quote_plus

from bot.conversation import callbacks, feedback, groups, ratings
from bot.conversation.messages import Reply, Response
from bot.conversation.replies import esc, movielens_average, stars
from bot.conversation.turn import Turn
from db import access
from movierec.serving import MovieInfo

SIMILAR_ON_CARD = 3


def imdb_link(info: MovieInfo, name: str) -> str:
    """The IMDb link of the card (HTML): the movie's page when its IMDb id is known, else a search."""
    if info.imdb_id:
        return f'<a href="https://www.imdb.com/title/{info.imdb_id}/">See it on IMDb</a>'
    query = f"{name} {info.year}" if info.year else name
    url = html.escape(f"https://www.imdb.com/find/?q={quote_plus(query)}&s=tt", quote=True)
    return f'<a href="{url}">Find it on IMDb</a>'


def details_card(turn: Turn, movie_id: int) -> Reply:
    info = turn.recommender.movie(movie_id)
    name = info.display_title.removesuffix(f" ({info.year})") if info.year else info.display_title
    lines = [f"🎬 <b>{esc(name)}</b>" + (f" ({info.year})" if info.year else "")]
    if info.genres:
        lines.append(f"Genres: {esc(', '.join(info.genres))}")
    lines.append(movielens_average(info))
    lines.append(imdb_link(info, name))
    similar = turn.recommender.similar(movie_id, k=SIMILAR_ON_CARD,
                                       exclude=access.dismissed_movie_ids(turn.session, turn.user_id))
    if similar:
        lines.append("Similar: " + esc(", ".join(s.title for s in similar)))
    own = turn.ratings().get(info.movie_id)
    if own is not None:
        lines.append(f"Your rating: {stars(own)}")
    else:
        reason = turn.recommender.reason(turn.servable_ratings(), movie_id, liked=groups.liked_movie_ids(turn))
        lines.append(f"<i>For you: {esc(reason)}</i>" if reason else
                     "<i>Rate a few movies and I'll tell you why this one would suit you.</i>")
    return Reply("\n".join(lines), feedback.pick_buttons(info.movie_id, details=False, save=own is None))


def on_details(turn: Turn, action: callbacks.Details) -> Response:
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    return Response(replies=[details_card(turn, movie_id)])


def movie_command(turn: Turn, args: str) -> Response:
    """``/movie <title>``: the details card (asks which when the title is ambiguous)."""
    query = args.strip()
    if not query:
        return Response().say("Which movie? e.g. <code>/movie Fargo</code>.")
    movie_id, offered = ratings.resolve_title(turn, query)
    if movie_id is not None:
        return Response(replies=[details_card(turn, movie_id)])
    if not offered:
        return Response().say(f"🤷 I couldn't find “{esc(query)}”. Try another spelling or /search.")
    return ratings.ask_which(turn, f"🤔 Which “{esc(query)}”?", offered, callbacks.Details)

"""Personal picks: /recommend and its buttons (feedback on each pick, more), and /similar.

Each pick is its own message with the feedback row of :mod:`bot.conversation.feedback`, so acting
on one pick costs a single tap and turns just that card into its answer. Rated, dismissed ("not
interested") and saved movies (on the watchlist already) are left out of every later list; dismissing a
saved movie takes it off the watchlist too. "More"
continues its list: the next picks, recomputed (the user may have rated some meanwhile) but never one
the list has shown, which the impressions table records page by page. Liked onboarding groups seed
the list before any rating. /similar leaves out dismissed movies and marks the ones the user rated.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set

from bot.conversation import callbacks, feedback, groups, ratings
from bot.conversation.messages import Button, Reply, Response
from bot.conversation.replies import button_label, count_of, esc, format_stars, movie_line, stars
from bot.conversation.turn import Turn
from db import access
from movierec.data.schema import GENRES
from movierec.serving import Recommendation

DEFAULT_PICKS = 5
FEW_RATINGS = 3
"""Below this many ratings the picks are mostly popularity; the reply says so honestly."""
SIMILAR_COUNT = 8
SEARCH_RESULTS = 8

# Words people type for a genre, beyond the genre names themselves (matched with spaces, hyphens and
# apostrophes dropped, so "sci fi", "Children's" and "film noir" need no entry).
_GENRE_ALIASES = {"sciencefiction": "Sci-Fi", "sf": "Sci-Fi", "kids": "Children", "family": "Children",
                  "noir": "Film-Noir", "animated": "Animation", "cartoon": "Animation", "romantic": "Romance",
                  "comedies": "Comedy", "documentaries": "Documentary", "horrors": "Horror"}
_GENRE_BY_KEY = {g.casefold().replace("-", ""): g for g in GENRES if not g.startswith("(")}
_SEPARATORS = re.compile(r"[\s,&+/]+|\b(?:and|or)\b")
_LONGEST_NAME = 2
"""Words in the longest genre name people type ("science fiction", "film noir")."""


def recommend_command(turn: Turn, args: str) -> Response:
    """``/recommend [n] [genre …]``: several genres ("comedy romance") mean picks in any of them, as
    people who name two usually want either; the catalog's genres only (MovieLens 100k has no IMAX)."""
    count = DEFAULT_PICKS
    words: list[str] = []
    for word in args.split():
        # A signed whole number is a count, so "/recommend -5" is told the range (not "unknown genre");
        # \d, unlike str.isdigit, excludes superscripts such as "²", which int() cannot read.
        if re.fullmatch(r"[-+]?\d+", word):
            count = int(word)
        else:
            words.append(word)
    if not 1 <= count <= callbacks.MAX_PICKS:
        return Response().say(f"I can show 1 to {callbacks.MAX_PICKS} picks at a time, e.g. "
                              "<code>/recommend 5 comedy</code>.")
    genres: tuple[str, ...] = ()
    if words:
        found = parse_genres(" ".join(words), turn.recommender.genres)
        if found is None:
            known = ", ".join(g for g in turn.recommender.genres if g != "Unknown")
            return Response().say(f"I don't know the genre “{esc(' '.join(words))}”. Try one of: {esc(known)}.")
        if len(found) > callbacks.MAX_GENRES:
            return Response().say(f"Name up to {callbacks.MAX_GENRES} genres at a time, e.g. "
                                  "<code>/recommend comedy romance</code>.")
        genres = found
    return _picks(turn, count, genres)


def on_more(turn: Turn, action: callbacks.More) -> Response:
    shown = access.list_movie_ids(turn.session, turn.user_id, action.list_id)
    if not shown:  # forged, someone else's, or forgotten since
        return ratings.stale_button()
    return _picks(turn, action.count, action.genres, action.list_id, shown)


def on_not_interested(turn: Turn, action: callbacks.NotInterested) -> Response:
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    access.dismiss_movie(turn.session, turn.user_id, movie_id)
    unsaved = access.remove_from_watchlist(turn.session, turn.user_id, movie_id)
    title = turn.title(movie_id)
    also = " and took it off your /watchlist" if unsaved else ""
    return (Response(callback_answer=f"Got it, I won't suggest it again{also}.")
            .say(f"🚫 {movie_line(title)} — I won't suggest it again{also}.", edit=True))


def parse_genres(text: str, available: Sequence[str] = GENRES) -> tuple[str, ...] | None:
    """The genres named by ``text`` (case, hyphens, plurals, "and"/commas and common synonyms forgiven),
    in :data:`GENRES` order; None if any word names no genre of ``available`` (the catalog's)."""
    words = [w for w in _SEPARATORS.split(text.casefold().replace("'", "").replace("’", "")) if w]
    found: set[str] = set()
    start = 0
    while start < len(words):
        for size in range(min(_LONGEST_NAME, len(words) - start), 0, -1):  # the longest name first
            genre = _genre(words[start:start + size])
            if genre is not None and genre in available:
                found.add(genre)
                start += size
                break
        else:
            return None
    return tuple(g for g in GENRES if g in found) or None


def _genre(words: Sequence[str]) -> str | None:
    key = "".join(words).replace("-", "")
    return (_GENRE_ALIASES.get(key) or _GENRE_BY_KEY.get(key) or _GENRE_ALIASES.get(key.removesuffix("s"))
            or _GENRE_BY_KEY.get(key.removesuffix("s")))


def _picks(turn: Turn, count: int, genres: tuple[str, ...], list_id: int | None = None,
           shown: Set[int] = frozenset()) -> Response:
    """The next ``count`` picks (in any of ``genres``, when given): a new list, or more of the list
    ``list_id`` (which has ``shown`` these). A short page is the list's last, and says so."""
    rated = turn.servable_ratings()
    exclude = (access.dismissed_movie_ids(turn.session, turn.user_id)
               | access.watchlist_movie_ids(turn.session, turn.user_id) | shown)
    recommender = turn.recommender
    liked = groups.liked_movie_ids(turn)
    picks = recommender.recommend(rated, k=count, genres=genres or None, exclude=exclude, liked=liked)
    where = f" in {esc(' or '.join(genres))}" if genres else ""
    all_shown = f"That's all I have{where} for now. Rate more movies and ask again!"
    if not picks:
        return Response().say(all_shown)
    predicted = _predicted_stars(turn, rated, picks)
    list_id = access.record_impressions(turn.session, turn.user_id, [p.movie_id for p in picks],
                                        model_version=recommender.version, context="recommend",
                                        scores=[p.score for p in picks], predicted_ratings=predicted,
                                        list_id=list_id)
    assert list_id is not None  # picks were recorded
    response = Response().say(_header(turn, rated, bool(liked), picks, where, more=bool(shown)))
    for number, (pick, value) in enumerate(zip(picks, predicted, strict=True), start=len(shown) + 1):
        response.replies.append(_card(number, pick, value))
    if len(picks) == count:
        more = callbacks.encode(callbacks.More(list_id, count, genres))
        response.say("Want more?", [[Button("More picks ▶", more)]])
    else:
        response.say(all_shown)
    return response


def _predicted_stars(turn: Turn, rated: dict[int, float], picks: list[Recommendation]) -> list[float]:
    """The model's stars for each pick; models without a ranking stage are asked separately."""
    missing = [p.movie_id for p in picks if p.predicted_rating is None]
    filled = iter(turn.recommender.predict_ratings(rated, missing) if missing else [])
    return [p.predicted_rating if p.predicted_rating is not None else next(filled) for p in picks]


def _header(turn: Turn, rated: dict[int, float], liked_groups: bool, picks: list[Recommendation],
            where: str, *, more: bool) -> str:
    if more:
        return f"More picks{where}:"
    if turn.recommender.is_fallback:
        return (f"🍿 Popular picks{where}. My trained model isn't available right now, so these are "
                "the same for everyone, not personal yet.")
    if liked_groups and len(rated) < FEW_RATINGS and all(p.personal for p in picks):
        return (f"🎬 Picks{where} from the groups you liked. Tap “Seen it” on any you know, and they'll get "
                "sharper with every rating.")
    if len(rated) < FEW_RATINGS or not all(p.personal for p in picks):
        return (f"🍿 Picks{where} — still fairly generic: you've rated {count_of(len(rated), 'movie')}. "
                f"Rate a few {'more' if rated else 'movies'} (e.g. <code>Fargo 5</code>) and they'll get "
                "personal.")
    return (f"🎬 Your personal picks{where}, based on your {len(rated)} ratings. Tap “Seen it” on any you "
            "know:")


def _card(number: int, pick: Recommendation, predicted: float) -> Reply:
    text = (f"{number}. {movie_line(pick.title, pick.genres)}\n"
            f"You'd rate it about {stars(round(predicted * 2) / 2)}\n"
            f"<i>{esc(pick.reason)}</i>")
    return Reply(text, feedback.pick_buttons(pick.movie_id))


def similar_command(turn: Turn, args: str) -> Response:
    """``/similar <title>``: movies like it (asks which when the title is ambiguous)."""
    query = args.strip()
    if not query:
        return Response().say("Which movie? e.g. <code>/similar Toy Story</code>.")
    movie_id, offered = ratings.resolve_title(turn, query)
    if movie_id is not None:
        return _similar(turn, movie_id)
    if not offered:
        return Response().say(f"🤷 I couldn't find “{esc(query)}”. Try another spelling or /search.")
    return ratings.ask_which(turn, f"🤔 Movies like which “{esc(query)}”?", offered, callbacks.Similar)


def on_similar(turn: Turn, action: callbacks.Similar) -> Response:
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    return _similar(turn, movie_id)


def search_command(turn: Turn, args: str) -> Response:
    """``/search <title>``: the closest titles, each a button that opens the movie."""
    query = args.strip()
    if not query:
        return Response().say("What should I look for? e.g. <code>/search star wars</code>.")
    matches = turn.matcher.match(query, limit=SEARCH_RESULTS)
    if not matches:
        return Response().say(f"🤷 Nothing looks like “{esc(query)}”.")
    return Response().say(f"🔎 Closest to “{esc(query)}” — tap one to see it and rate it:",
                          ratings.choice_rows(matches, callbacks.ShowMovie))


def _similar(turn: Turn, movie_id: int) -> Response:
    """Movies like ``movie_id``, never a dismissed one. Rated ones stay, marked with the user's stars:
    "more like this" asks what resembles a film, and a known favourite in the answer says how."""
    similar = turn.recommender.similar(movie_id, k=SIMILAR_COUNT,
                                       exclude=access.dismissed_movie_ids(turn.session, turn.user_id))
    rated = turn.ratings()
    lines: list[str] = []
    rows: list[list[Button]] = []
    for number, pick in enumerate(similar, start=1):
        own = rated.get(pick.movie_id)
        yours = "" if own is None else f"your ★{format_stars(own)}"
        lines.append(f"{number}. {movie_line(pick.title, pick.genres)}" + (f" — {yours}" if yours else ""))
        label = f"{number}. " + (f"({yours}) " if yours else "") + pick.title  # a long title is cut, not the mark
        rows.append([Button(button_label(label), callbacks.encode(callbacks.ShowMovie(pick.movie_id)))])
    text = f"Movies like {movie_line(turn.title(movie_id))}:\n" + "\n".join(lines)
    return Response().say(text, rows)

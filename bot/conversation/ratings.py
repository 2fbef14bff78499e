"""Rating movies: by plain message (the main way), /rate, /unrate, and the buttons that settle a title.

A rating is written in the turn's transaction, which the conversation commits before any confirmation
leaves, so "✓ rated" is never shown for a rating that was not stored. A title that matches several
movies, or only nearly matches one, is never rated silently: the user picks with a button that carries
the movie and the stars.
"""

from __future__ import annotations

from bot.conversation import callbacks, chat, questions
from bot.conversation.messages import Button, Reply, Response
from bot.conversation.replies import (EXAMPLES, button_label, count_of, esc, format_stars, movie_line,
                                     movielens_average, star_buttons, stars)
from bot.conversation.turn import Turn
from bot.matching import TitleMatch
from bot.parsing import RatingPiece, parse_lone_value
from bot.understanding import Ambiguous, InvalidRating, NotFound, Rated, TitleOnly, TooMany, Understood
from db import access

ENOUGH_FOR_PICKS = 5
"""After this many ratings the onboarding ends and /recommend is suggested."""
MAX_QUESTIONS = 3
"""Cards and "did you mean" questions answered to one message; more would flood the chat."""
MAX_SUGGESTIONS = 8
"""Suggestion buttons under one reply (several unknown titles each bring their nearest ones)."""

NOT_UNDERSTOOD = (
    "I didn't catch a movie there. Send a title and stars, one or several at once, e.g.\n"
    f"{EXAMPLES}\nor a title alone to see it. /help lists everything I can do."
)
SMALL_TALK = (
    "🙂 I'm all about movies: send a title and stars, one or several at once, e.g.\n"
    f"{EXAMPLES}\nor /recommend for picks. /help lists everything I can do."
)
SEARCH_HINT = ("🔎 Try a word or two of the title with /search, e.g. <code>/search star wars</code>, "
               "then rate like <code>Fargo 5</code>.")


def rate_message(turn: Turn, text: str, *, source: str = "message") -> Response:
    """Answer a plain message such as ``Fargo 5, Heat 4`` (or ``/rate …``)."""
    lone_value = parse_lone_value(text)
    if lone_value is not None and not turn.matcher.is_exact(text):  # "Seven" is a title, "4.5" is not
        return rate_last_card(turn, lone_value, source)
    questions.end_stars(turn)  # any other message moves on from the last card
    if turn.understanding.is_small_talk(text):
        return Response().say(SMALL_TALK)
    results = turn.understanding.understand(text)
    if all(isinstance(r, NotFound) for r in results):  # no movie as it stands: maybe everyday phrasing
        picks = chat.picks_reply(text)
        if picks is not None:
            return picks
        rephrased = chat.as_rating(text)
        if rephrased is not None:
            text, results = rephrased, turn.understanding.understand(rephrased)
    understood = [r for r in results if not isinstance(r, NotFound)]
    if not understood and not turn.understanding.is_rating_like(text):
        return Response().say(NOT_UNDERSTOOD)
    before = access.count_ratings(turn.session, turn.user_id)
    lines: list[str] = []
    suggestion_rows: list[list[Button]] = []
    extra: list[Reply] = []
    nothing_to_suggest = False
    cards: list[int] = []
    for result, times in _merge_repeats(results):
        match result:
            case Rated(movie_id=movie_id, stars=value):
                repeated = " (repeated, rated once)" if times > 1 else ""
                lines.append(save_rating(turn, movie_id, value, source) + repeated)
            case TitleOnly(movie_id=movie_id, unread=unread):
                extra.append(movie_card(turn, movie_id))
                cards.append(movie_id)
                if unread:
                    lines.append(f"ℹ️ I couldn't read “{esc(unread)}” as a rating: stars go from 0.5 to 5, "
                                 "e.g. <code>Fargo 4.5</code>.")
            case Ambiguous(raw=raw):
                extra.append(which_one(turn, raw, result))
            case NotFound(query=query, suggestions=suggestions, stars=value) if suggestions and value is not None:
                extra.append(did_you_mean(turn, f"🤷 I couldn't find “{esc(query)}” — {stars(value)}. "
                                                "Did you mean one of these?",
                                          [(s.movie_id, value) for s in suggestions]))
            case NotFound(query=query, suggestions=suggestions):
                lines.append(f"🤷 I couldn't find “{esc(query)}”."
                             + (" Did you mean one of the buttons below?" if suggestions else ""))
                suggestion_rows += choice_rows(suggestions, callbacks.ShowMovie)
                nothing_to_suggest |= not suggestions
            case InvalidRating(query=query, value_text=value_text, reason=reason):
                lines.append(f"⚠️ “{esc(query)} {esc(value_text)}”: {esc(reason)}.")
            case TooMany(limit=limit):
                lines.append(f"✋ That's a lot at once: I read the first {limit} movies. Send the rest in "
                             "another message.")
    if len(cards) == 1:  # with several cards, a bare rating would not say which it is for
        questions.ask_stars(turn, cards[0])
    if nothing_to_suggest:
        lines.append(SEARCH_HINT)
    hint = milestone_hint(before, access.count_ratings(turn.session, turn.user_id))
    if hint:
        lines.append(hint)
    if len(extra) > MAX_QUESTIONS:
        lines.append(f"…and {count_of(len(extra) - MAX_QUESTIONS, 'more title')} to settle: send them again with "
                     "stars, a few at a time.")
    response = Response()
    if lines:
        response.say("\n".join(lines), suggestion_rows[:MAX_SUGGESTIONS])
    response.replies.extend(extra[:MAX_QUESTIONS])
    return response


def _merge_repeats(results: list[Understood]) -> list[tuple[Understood, int]]:
    """Each different result once, in order, with how many times it was sent ("Fargo 5" pasted twenty
    times is one rating, not twenty identical lines)."""
    merged: list[tuple[Understood, int]] = []
    for result in results:
        same = next((index for index, (seen, _) in enumerate(merged) if seen == result), None)
        if same is None:
            merged.append((result, 1))
        else:
            merged[same] = (result, merged[same][1] + 1)
    return merged


def rate_last_card(turn: Turn, lone_value: RatingPiece, source: str) -> Response:
    """A rating with no title ("4.5" — half stars have no button): for the movie whose card last asked."""
    movie_id = questions.stars_asked(turn)
    known = turn.known_movie(movie_id) if movie_id is not None else None
    if known is None:
        return Response().say(f"Which movie is “{esc(lone_value.raw)}” for? Send the title with it, e.g. "
                              "<code>Heat 4.5</code>.")
    if lone_value.stars is None:
        return Response().say(f"⚠️ “{esc(lone_value.value_text or '')}” for {movie_line(turn.title(known))}: "
                              f"{esc(lone_value.error or '')}. Send e.g. <code>4.5</code>.")
    return Response().say(answer_card(turn, known, lone_value.stars, source))


def rate_command(turn: Turn, args: str) -> Response:
    """``/rate <title> <stars>``; without stars it shows the movie with rating buttons."""
    if not args.strip():
        return Response().say(f"Tell me which movie and how many stars, e.g. <code>/rate Fargo 5</code>.\n"
                              f"You can also just send it as a message:\n{EXAMPLES}")
    return rate_message(turn, args, source="command")


def save_rating(turn: Turn, movie_id: int, value: float, source: str) -> str:
    """Store (or update) one rating and return the confirmation line."""
    previous = turn.ratings().get(movie_id)
    access.set_rating(turn.session, turn.user_id, movie_id, value, source)
    access.remove_from_watchlist(turn.session, turn.user_id, movie_id)  # seen now, so no longer "for later"
    line = f"✓ {movie_line(turn.title(movie_id))} — {stars(value)}"
    if previous is not None and previous != value:
        line += f" (was {stars(previous)})"
    return line


def answer_card(turn: Turn, movie_id: int, value: float, source: str) -> str:
    """Rate the movie a card asked about (with a star button, or a bare "4.5" after it): the card's
    question is answered, and the confirmation carries the nudge to /recommend when it is due."""
    questions.end_stars(turn)
    before = access.count_ratings(turn.session, turn.user_id)
    line = save_rating(turn, movie_id, value, source)
    return line + (milestone_hint(before, access.count_ratings(turn.session, turn.user_id)) or "")


def milestone_hint(before: int, after: int) -> str | None:
    """The nudge towards /recommend when the user just reached enough ratings."""
    if before < ENOUGH_FOR_PICKS <= after:
        return f"\n🎉 That's {after} ratings: enough for personal picks. Try /recommend!"
    return None


def movie_card(turn: Turn, movie_id: int, heading: str = "") -> Reply:
    """A movie with its facts, the user's rating if any, and buttons to rate it."""
    info = turn.recommender.movie(movie_id)
    lines = [heading + movie_line(info.display_title, info.genres)]
    own = turn.ratings().get(info.movie_id)
    if own is None:  # no average either: people anchor on any number shown beside a request to rate
        lines.append("How many stars would you give it?")
    else:
        lines += [movielens_average(info), f"Your rating: {stars(own)}"]
    actions = [Button("🚫 Not interested", callbacks.encode(callbacks.NotInterested(info.movie_id))),
               Button("🔎 Similar", callbacks.encode(callbacks.Similar(info.movie_id)))]
    return Reply("\n".join(lines), [star_buttons(info.movie_id), actions])


def which_one(turn: Turn, raw: str, ambiguous: Ambiguous) -> Reply:
    """Ask which of several fitting movies ``raw`` meant, with the stars it gave."""
    choices = [(c.movie_id, ambiguous.stars_for(c.movie_id)) for c in ambiguous.candidates]
    value = ambiguous.stars
    if value is None:
        question = f"🤔 “{esc(raw)}”: which one did you mean?"
    elif ambiguous.numbered:  # "star trek 4": the fourth film, or four stars for another
        question = (f"🤔 “{esc(raw)}”: which one did you mean? A button with stars rates that movie "
                    f"{stars(value)}; one without just shows it.")
    else:
        question = f"🤔 “{esc(raw)}” — {stars(value)}: which one did you mean?"
    return did_you_mean(turn, question, choices)


def did_you_mean(turn: Turn, question: str, choices: list[tuple[int, float | None]]) -> Reply:
    """Ask ``question`` with a button per (movie, stars) choice: it rates the movie with those stars, or,
    with none, shows it. The buttons answer this "which movie?" question only while /cancel has not
    ended it."""
    question_round = questions.ask(turn, questions.WHICH_MOVIE)
    rows = []
    for movie_id, value in choices:
        if value is None:
            choice: callbacks.Rate | callbacks.ShowMovie = callbacks.ShowMovie(movie_id)
            label = button_label(turn.title(movie_id))
        else:
            choice = callbacks.Rate(movie_id, round(value * 2))
            label = button_label(turn.title(movie_id), f" — {format_stars(value)}★")
        rows.append([Button(label, callbacks.encode(callbacks.Answer(question_round, choice)))])
    return Reply(question, rows)


def on_rate(turn: Turn, action: callbacks.Rate) -> Response:
    """A star button: rate, and turn the card (or the question) into the confirmation."""
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return stale_button()
    confirmation = answer_card(turn, movie_id, action.half_stars / 2, "button")
    return Response(callback_answer=f"Saved: {stars(action.half_stars / 2)}").say(confirmation, edit=True)


def on_show(turn: Turn, action: callbacks.ShowMovie) -> Response:
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return stale_button()
    questions.ask_stars(turn, movie_id)
    return Response(replies=[movie_card(turn, movie_id)])


def resolve_title(turn: Turn, query: str) -> tuple[int | None, list[TitleMatch]]:
    """A title typed after a command: ``(movie_id, [])`` when clear, else ``(None, movies to offer)``.

    No rating can follow the title of such a command, so the whole text is read as a title first
    ("/similar star trek 4" is Star Trek IV); otherwise the rules of rating messages decide what is clear.
    """
    match turn.understanding.understand_title(query):
        case Rated(movie_id=movie_id) | TitleOnly(movie_id=movie_id):
            return movie_id, []
        case Ambiguous(candidates=candidates):
            return None, candidates
        case NotFound(suggestions=suggestions):
            return None, suggestions
    return None, []


def choice_rows(matches: list[TitleMatch],
                action: type[callbacks.Unrate | callbacks.Similar | callbacks.ShowMovie | callbacks.Details],
                question_round: int | None = None) -> list[list[Button]]:
    """One button per offered movie, each carrying ``action`` for that movie — as the answer to the
    "which movie?" question of ``question_round``, when given."""
    rows = []
    for offered in matches:
        choice = action(offered.movie_id)
        data = callbacks.encode(choice if question_round is None else callbacks.Answer(question_round, choice))
        rows.append([Button(button_label(offered.display_title), data)])
    return rows


def ask_which(turn: Turn, question: str, matches: list[TitleMatch],
              action: type[callbacks.Unrate | callbacks.Similar | callbacks.Details]) -> Response:
    """Ask which of ``matches`` a title command meant, noted as the pending "which movie?" question
    (so /cancel can end it and its buttons); each button carries ``action`` for its movie."""
    question_round = questions.ask(turn, questions.WHICH_MOVIE)
    return Response().say(question, choice_rows(matches, action, question_round))


def unrate_command(turn: Turn, args: str) -> Response:
    """``/unrate <title>``: forget one rating (asks which when the title is ambiguous)."""
    query = args.strip()
    if not query:
        return Response().say("Which rating should I remove? e.g. <code>/unrate Fargo</code>. "
                              "/myratings shows them all.")
    movie_id, offered = resolve_title(turn, query)
    if movie_id is not None:
        return _remove(turn, movie_id, edit=False)
    rated = turn.ratings()
    offered = [m for m in offered if m.movie_id in rated] or offered
    if not offered:
        return Response().say(f"🤷 I couldn't find “{esc(query)}”. /myratings shows your ratings.")
    return ask_which(turn, f"🤔 Which rating of “{esc(query)}” should I remove?", offered, callbacks.Unrate)


def on_unrate(turn: Turn, action: callbacks.Unrate) -> Response:
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return stale_button()
    return _remove(turn, movie_id, edit=True)


def _remove(turn: Turn, movie_id: int, *, edit: bool) -> Response:
    if not access.delete_rating(turn.session, turn.user_id, movie_id):
        return Response().say(f"{movie_line(turn.title(movie_id))} wasn't rated.", edit=edit)
    return Response().say(f"🗑 Removed your rating of {movie_line(turn.title(movie_id))}.", edit=edit)


def stale_button() -> Response:
    """The polite answer to a forged, truncated or outdated button."""
    message = "Sorry, that button is no longer valid. Please send the command again."
    return Response(callback_answer=message)

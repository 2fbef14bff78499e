"""The user's account: /start with onboarding, /myratings, /forget, /help, and the admin's /stats.

A newcomer first picks taste groups (:mod:`bot.conversation.groups`, /groups later); "Done" leads on
to the cards while the user has rated fewer than five movies.
Onboarding then shows one well-known movie at a time from a fixed deck (the recommender's diverse
"onboarding movies"): the next card is the first deck movie the user has neither rated, dismissed nor
answered "haven't seen" (stored, so a later /start does not offer it again).
"""

from __future__ import annotations

from bot.conversation import callbacks, groups, questions, ratings
from bot.conversation.messages import Button, Reply, Response
from bot.conversation.replies import EXAMPLES, count_of, esc, movie_line, stars
from bot.conversation.turn import Turn
from db import access

ONBOARDING_DECK = 20
"""Cards available to a newcomer: enough to reach 5 ratings after skipping many unseen films."""
RATINGS_PER_PAGE = 10
_ROW_NOUNS = {"ratings": ("rating",), "dismissals": ("movie dismissed", "movies dismissed"),
              "not_seen": ("movie not seen", "movies not seen"),
              "watchlist": ("watchlist entry", "watchlist entries"), "liked_groups": ("liked group",),
              "messages": ("message",), "impressions": ("movie shown", "movies shown")}
"""What /forget calls the rows of each table (of :func:`db.access.count_rows_for_user`) it will delete."""
FORGET_WINDOW_S = 600
"""A /forget confirmation older than this is refused: a week-old button should not delete an account."""

HELP = (
    "🎬 <b>I recommend movies from what you've liked.</b>\n\n"
    "<b>Rate</b> by sending titles and stars (0.5–5, half stars welcome), several at once:\n"
    f"{EXAMPLES}\n"
    "Send a title alone to see the movie with rating buttons.\n\n"
    "/recommend — personal picks, 5 at a time (e.g. <code>/recommend 8 comedy</code>, or "
    "<code>/recommend comedy romance</code> for either); under each: "
    "seen it, save for later, not interested, more like this, tell me more\n"
    "/movie <i>title</i> — details: ratings, IMDb, similar movies\n"
    "/watchlist — movies you saved for later\n"
    "/similar <i>title</i> — movies like it\n"
    "/search <i>title</i> — find a movie\n"
    "/rate <i>title stars</i> — rate one movie\n"
    "/groups — pick the groups of movies you like (or drop some)\n"
    "/myratings — what you've rated (and the groups you liked), newest first\n"
    "/unrate <i>title</i> — remove a rating\n"
    "/forget — delete everything I know about you\n"
    "/cancel — stop a question I asked (which movie, delete everything)\n"
    "/start — pick groups of movies you like, then rate a few to get going"
)


def start_command(turn: Turn) -> Response:
    """Welcome; newcomers (and anyone under 5 ratings) get the next onboarding card."""
    count = access.count_ratings(turn.session, turn.user_id)
    name = esc(turn.incoming.first_name) or "there"
    response = Response()
    if count == 0:
        response.say(f"👋 Hi {name}! I'm a movie recommender. Tell me what you like and I'll suggest what "
                     "to watch next.\nFirst, pick the groups of movies you enjoy; then rate a few "
                     "well-known ones. You can also send ratings as messages, like <code>Fargo 5</code>.")
        picker = groups.picker(turn)
        if picker is not None:
            response.replies.append(picker)
            return response  # the first rating card follows "Done"
    else:
        response.say(f"👋 Welcome back, {name}! You've rated {count_of(count, 'movie')}.")
    if count >= ratings.ENOUGH_FOR_PICKS:
        response.say("Ask /recommend for your personal picks, or keep rating by message. /help shows more.")
        return response
    card = _next_card(turn, after=-1)
    if card is None:
        response.say(f"Send me movies you've seen with stars, e.g.\n{EXAMPLES}")
    else:
        response.replies.append(card)
    return response


def on_onboard(turn: Turn, action: callbacks.Onboard) -> Response:
    """An onboarding answer: store it (unless "haven't seen"), then the next card or the wrap-up."""
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    if action.half_stars == callbacks.NOT_SEEN:
        access.mark_not_seen(turn.session, turn.user_id, movie_id)
        response = Response(callback_answer="Skipped").say(
            f"⏭ {movie_line(turn.title(movie_id))} — not seen", edit=True)
    else:
        value = action.half_stars / 2
        line = ratings.save_rating(turn, movie_id, value, "onboarding")
        response = Response(callback_answer=f"Saved: {stars(value)}").say(line, edit=True)
    count = access.count_ratings(turn.session, turn.user_id)
    card = None if count >= ratings.ENOUGH_FOR_PICKS else _next_card(turn, after=action.position)
    if card is not None:
        response.replies.append(card)
    elif count >= ratings.ENOUGH_FOR_PICKS:
        response.say(f"🎉 That's {count} ratings — enough for personal picks. Try /recommend!\n"
                     "Rate more any time by sending e.g. <code>Heat 4</code>.")
    else:
        response.say(f"That's all my starter movies. Send me others you've seen, e.g.\n{EXAMPLES}")
    return response


def on_groups_done(turn: Turn) -> Response:
    """Groups picked: close the picker, then the one-tap rating cards while the user has rated fewer than
    five movies (else, from /groups, a pointer to /recommend)."""
    liked = len(access.liked_groups(turn.session, turn.user_id))
    summary = (f"👍 You liked {count_of(liked, 'group')}: /recommend already uses "
               f"{'it' if liked == 1 else 'them'}." if liked else "No groups picked: fine, ratings will do.")
    count = access.count_ratings(turn.session, turn.user_id)
    card = None if count >= ratings.ENOUGH_FOR_PICKS else _next_card(turn, after=-1)
    if card is None:
        return Response(callback_answer="Done").say(f"{summary} Ask /recommend for your picks.", edit=True)
    response = Response(callback_answer="Done").say(f"{summary} Rating a few movies makes your picks sharper:",
                                                    edit=True)
    response.replies.append(card)
    return response


def _next_card(turn: Turn, after: int) -> Reply | None:
    """The first deck movie after position ``after`` that the user has not rated, dismissed or not seen."""
    done = (set(turn.ratings()) | access.dismissed_movie_ids(turn.session, turn.user_id)
            | access.not_seen_movie_ids(turn.session, turn.user_id))
    deck = turn.recommender.onboarding_movies(k=ONBOARDING_DECK)
    for position, pick in enumerate(deck):
        if position > after and pick.movie_id not in done:
            access.record_impressions(turn.session, turn.user_id, [pick.movie_id],
                                      model_version=turn.recommender.version, context="onboarding")
            rated = len(turn.ratings())
            rows = [[Button(f"{n}★", callbacks.encode(callbacks.Onboard(pick.movie_id, 2 * n, position)))
                     for n in range(1, 6)],
                    [Button("Haven't seen", callbacks.encode(
                        callbacks.Onboard(pick.movie_id, callbacks.NOT_SEEN, position)))]]
            text = (f"{movie_line(pick.title, pick.genres)}\n"
                    f"<i>{rated}/{ratings.ENOUGH_FOR_PICKS} rated</i>")
            return Reply(text, rows)
    return None


def myratings_command(turn: Turn) -> Response:
    return _ratings_page(turn, 0, edit=False)


def on_ratings_page(turn: Turn, action: callbacks.RatingsPage) -> Response:
    return _ratings_page(turn, action.page, edit=True)


def on_unlike_group(turn: Turn, action: callbacks.UnlikeGroup) -> Response:
    """Remove a liked group, then redraw /myratings' first page (where the liked groups are) without it."""
    if not access.unlike_group(turn.session, turn.user_id, group_id=action.group_id):
        return Response(callback_answer="That group was already removed.")
    response = _ratings_page(turn, 0, edit=True)
    response.callback_answer = "🗑 Removed: that group no longer shapes your picks"
    return response


def _ratings_page(turn: Turn, page: int, *, edit: bool) -> Response:
    total = access.count_ratings(turn.session, turn.user_id)
    liked_lines, liked_rows = groups.liked_section(turn)
    if total == 0:
        text = f"You haven't rated anything yet. Send e.g.\n{EXAMPLES}\nor /start."
        return Response().say("\n".join([*liked_lines, "", text]) if liked_lines else text, liked_rows, edit=edit)
    last_page = (total - 1) // RATINGS_PER_PAGE
    page = min(page, last_page)  # ratings may have been removed since the button was sent
    rows = access.list_ratings(turn.session, turn.user_id, offset=page * RATINGS_PER_PAGE,
                               limit=RATINGS_PER_PAGE)
    lines = [f"{stars(r.value)} — {movie_line(_title_or_id(turn, r.movie_id))}" for r in rows]
    text = (f"⭐ Your ratings ({total}), newest first — page {page + 1} of {last_page + 1}:\n"
            + "\n".join(lines))
    if liked_lines and page == 0:
        text += "\n\n" + "\n".join(liked_lines)
    nav = []
    if page > 0:
        nav.append(Button("◀ Newer", callbacks.encode(callbacks.RatingsPage(page - 1))))
    if page < last_page:
        nav.append(Button("Older ▶", callbacks.encode(callbacks.RatingsPage(page + 1))))
    return Response().say(text, ([nav] if nav else []) + (liked_rows if page == 0 else []), edit=edit)


def _title_or_id(turn: Turn, movie_id: int) -> str:
    """A stored rating's title, even for a movie a newer catalog no longer serves."""
    known = turn.known_movie(movie_id)
    return turn.title(known) if known is not None else f"movie #{movie_id}"


def forget_command(turn: Turn) -> Response:
    counts = access.count_rows_for_user(turn.session, turn.user_id)
    asked_at = int(turn.now)
    summary = ", ".join(count_of(n, *_ROW_NOUNS[table]) for table, n in counts.items()
                        if n and table != "users") or "no data"
    questions.ask(turn, questions.FORGET)
    yes = callbacks.encode(callbacks.Forget(turn.user_id, asked_at, confirmed=True))
    no = callbacks.encode(callbacks.Forget(turn.user_id, asked_at, confirmed=False))
    return Response().say(
        f"⚠️ This deletes <b>everything</b> I know about you ({esc(summary)}), for good. Are you sure?",
        [[Button("Yes, delete everything", yes), Button("Cancel", no)]])


def on_forget(turn: Turn, action: callbacks.Forget) -> Response:
    """Only the asking user, only recently: a forwarded or week-old button must not delete an account."""
    if action.user_id != turn.user_id:
        return Response(callback_answer="This button belongs to someone else's /forget.")
    was_pending = questions.answered(turn, questions.FORGET)
    if not action.confirmed:
        return Response(callback_answer="Cancelled").say("Cancelled: nothing was deleted.", edit=True)
    if not 0 <= turn.now - action.asked_at <= FORGET_WINDOW_S:
        return Response(callback_answer="That question has expired.").say(
            "That question expired, nothing was deleted. Send /forget again if you still want it.", edit=True)
    if not was_pending:  # /cancel ended it
        return Response(callback_answer="That question was cancelled.").say(
            "That question was cancelled, nothing was deleted. Send /forget again if you still want it.", edit=True)
    access.delete_user(turn.session, turn.user_id)
    response = Response(callback_answer="Deleted", store_outgoing=False)
    return response.say("🗑 Done: everything about you is deleted. Send /start if you ever want to begin again.",
                        edit=True)


def help_command() -> Response:
    return Response().say(HELP)


def stats_command(turn: Turn) -> Response:
    """Admin-only numbers: usage and which model is being served."""
    numbers = access.stats(turn.session)
    recommender = turn.recommender
    mode = "non-personal fallback (no trained artifacts)" if recommender.is_fallback else "trained models"
    return Response().say(
        "📊 <b>Stats</b>\n"
        f"Users: {numbers.users}\nRatings: {numbers.ratings} ({numbers.ratings_last_24h} in the last 24 h)\n"
        f"Messages: {numbers.messages}\nImpressions: {numbers.impressions}\n"
        f"Model version: <code>{esc(recommender.version)}</code>\nMode: {mode}\n"
        f"Catalog: {len(recommender.catalog)} movies")

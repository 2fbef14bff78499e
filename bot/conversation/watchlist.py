"""/watchlist: the movies saved "for later", newest first, a page at a time.

Each entry is its own message with "seen it → rate" and "remove", like a pick card, so either button
turns just that entry into its answer. Rating a movie takes it off the watchlist (see
:func:`bot.conversation.ratings.save_rating`).
"""

from __future__ import annotations

from bot.conversation import callbacks
from bot.conversation.messages import Button, Response
from bot.conversation.replies import movie_line
from bot.conversation.turn import Turn
from db import access

PER_PAGE = 5


def watchlist_command(turn: Turn) -> Response:
    return _page(turn, 0)


def on_page(turn: Turn, action: callbacks.WatchlistPage) -> Response:
    return _page(turn, action.page)


def _page(turn: Turn, page: int) -> Response:
    total = len(access.watchlist_movie_ids(turn.session, turn.user_id))
    if total == 0:
        return Response().say("Your watchlist is empty. Tap “🔖 Save for later” under a pick from /recommend "
                              "to keep it here.")
    last_page = (total - 1) // PER_PAGE
    page = min(page, last_page)  # entries may have been removed since the button was sent
    entries = access.list_watchlist(turn.session, turn.user_id, offset=page * PER_PAGE, limit=PER_PAGE)
    response = Response().say(f"🔖 Your watchlist ({total}), newest first — page {page + 1} of {last_page + 1}:")
    for number, entry in enumerate(entries, start=page * PER_PAGE + 1):
        known = turn.known_movie(entry.movie_id)
        if known is None:  # a retrained catalog dropped it: it can only be removed
            response.say(f"{number}. movie #{entry.movie_id} (no longer in my catalog)",
                         [[Button("🗑 Remove", callbacks.encode(callbacks.Unsave(entry.movie_id)))]])
            continue
        info = turn.recommender.movie(known)
        response.say(f"{number}. {movie_line(info.display_title, info.genres)}",
                     [[Button("✅ Seen it → rate", callbacks.encode(callbacks.Seen(known))),
                       Button("🗑 Remove", callbacks.encode(callbacks.Unsave(entry.movie_id)))]])
    nav = []
    if page > 0:
        nav.append(Button("◀ Newer", callbacks.encode(callbacks.WatchlistPage(page - 1))))
    if page < last_page:
        nav.append(Button("Older ▶", callbacks.encode(callbacks.WatchlistPage(page + 1))))
    if nav:
        response.say("More of your watchlist:", [nav])
    return response


def on_unsave(turn: Turn, action: callbacks.Unsave) -> Response:
    removed = access.remove_from_watchlist(turn.session, turn.user_id, action.movie_id)
    if not removed:
        return Response(callback_answer="It wasn't on your watchlist any more.")
    known = turn.known_movie(action.movie_id)
    what = movie_line(turn.title(known)) if known is not None else f"movie #{action.movie_id}"
    return Response(callback_answer="Removed").say(f"🗑 {what} — removed from your watchlist.", edit=True)

"""One-tap feedback under every pick: seen it (→ rate), save for later, not interested, more like
this, tell me more. Each is stored (or acted on) at once and changes what comes next: rated, dismissed
and saved movies leave later lists, the saved ones waiting on /watchlist instead."""

from __future__ import annotations

from bot.conversation import callbacks, ratings
from bot.conversation.messages import Button, Response
from bot.conversation.replies import movie_line, star_buttons
from bot.conversation.turn import Turn
from db import access


def pick_buttons(movie_id: int, *, details: bool = True, save: bool = True) -> list[list[Button]]:
    """The feedback rows under a pick (a details card leaves out "tell me more", being it already, and
    "save for later" for a movie the user rated, which :func:`on_save` would refuse)."""
    first = [Button("✅ Seen it → rate", callbacks.encode(callbacks.Seen(movie_id)))]
    if save:
        first.append(Button("🔖 Save for later", callbacks.encode(callbacks.Save(movie_id))))
    second = [Button("🚫 Not interested", callbacks.encode(callbacks.NotInterested(movie_id))),
              Button("🔎 More like this", callbacks.encode(callbacks.Similar(movie_id)))]
    if details:
        second.append(Button("ℹ️ Tell me more", callbacks.encode(callbacks.Details(movie_id))))
    return [first, second]


def on_seen(turn: Turn, action: callbacks.Seen) -> Response:
    """Turn the pick into a rating prompt: stars only, and no predicted rating to anchor on."""
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    return Response(callback_answer="How many stars?").say(
        f"You've seen {movie_line(turn.title(movie_id))}. How many stars would you give it?",
        [star_buttons(movie_id)], edit=True)


def on_save(turn: Turn, action: callbacks.Save) -> Response:
    """Save to the watchlist; the pick stays as it is, so its other buttons still work."""
    movie_id = turn.known_movie(action.movie_id)
    if movie_id is None:
        return ratings.stale_button()
    if turn.ratings().get(movie_id) is not None:
        return Response(callback_answer="You've already rated it, so I didn't save it.")
    added = access.add_to_watchlist(turn.session, turn.user_id, movie_id)
    return Response(callback_answer="🔖 Saved to your /watchlist" if added else "It's already on your /watchlist")

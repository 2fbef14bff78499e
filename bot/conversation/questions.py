"""Questions the bot is waiting on ("which movie did you mean?", "delete everything?") and /cancel.

Answers travel in the buttons, so nothing else needs this state; it exists so /cancel can say what it
ended, and so a /forget confirmation cannot be used after the user cancelled it.
"""

from __future__ import annotations

from bot.conversation.messages import Response
from bot.conversation.turn import Turn
from db import access

WHICH_MOVIE = "which_movie"
FORGET = "forget"
_DESCRIPTIONS = {WHICH_MOVIE: "the question about which movie you meant",
                 FORGET: "the question about deleting everything (nothing was deleted)"}


def ask(turn: Turn, kind: str) -> None:
    """Note that the reply being built asks the user a question of ``kind``."""
    access.ask_question(turn.session, turn.user_id, kind)


def answered(turn: Turn, kind: str) -> bool:
    """End the pending question of ``kind``; False if none was pending (never asked, or cancelled)."""
    return bool(access.end_questions(turn.session, turn.user_id, kind))


def cancel_command(turn: Turn) -> Response:
    ended = access.end_questions(turn.session, turn.user_id)
    if not ended:
        return Response().say("There's nothing to cancel: I'm not waiting for an answer from you.")
    what = " and ".join(_DESCRIPTIONS.get(kind, "my last question") for kind in ended)
    return Response().say(f"OK, cancelled {what}. Send a movie and stars, or /help, whenever you like.")

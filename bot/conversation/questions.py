"""Questions the bot is waiting on ("which movie did you mean?", "delete everything?") and /cancel.

Answers travel in the buttons, so nothing else needs this state; it exists so /cancel can say what it
ended, and so the buttons of a cancelled question stop working: a /forget confirmation checks that its
question is still pending, and a "which movie?" button that its question round has not ended (several
"which movie?" questions may be open at once, and answering one leaves the others working).
"""

from __future__ import annotations

from bot.conversation.messages import Response
from bot.conversation.turn import Turn
from db import access

WHICH_MOVIE = "which_movie"
FORGET = "forget"
_DESCRIPTIONS = {WHICH_MOVIE: "the question about which movie you meant",
                 FORGET: "the question about deleting everything (nothing was deleted)"}


def ask(turn: Turn, kind: str) -> int:
    """Note that the reply being built asks the user a question of ``kind``; returns the question round
    its buttons belong to."""
    access.ask_question(turn.session, turn.user_id, kind)
    return access.question_round(turn.session, turn.user_id)


def answered(turn: Turn, kind: str) -> bool:
    """End the pending question of ``kind``; False if none was pending (never asked, or cancelled)."""
    return bool(access.end_questions(turn.session, turn.user_id, kind))


def still_open(turn: Turn, question_round: int) -> bool:
    """Whether a "which movie?" question of ``question_round`` may still be answered (no /cancel since)."""
    return question_round == access.question_round(turn.session, turn.user_id)


def cancelled_answer() -> Response:
    """The polite refusal of a button whose "which movie?" question was cancelled."""
    return Response(callback_answer="That question was cancelled.").say(
        "That question was cancelled, nothing was changed. Send the title again whenever you like.", edit=True)


def cancel_command(turn: Turn) -> Response:
    ended = access.end_questions(turn.session, turn.user_id)
    if not ended:
        return Response().say("There's nothing to cancel: I'm not waiting for an answer from you.")
    if WHICH_MOVIE in ended:
        access.start_question_round(turn.session, turn.user_id)
    what = " and ".join(_DESCRIPTIONS.get(kind, "my last question") for kind in ended)
    return Response().say(f"OK, cancelled {what}. Send a movie and stars, or /help, whenever you like.")

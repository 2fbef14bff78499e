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
STARS = "stars"
"""A movie card asking for stars, noted with its movie ("stars:273") so a bare "4.5" that follows rates it."""
_DESCRIPTIONS = {WHICH_MOVIE: "the question about which movie you meant",
                 FORGET: "the question about deleting everything (nothing was deleted)",
                 STARS: "the question about how many stars you'd give the movie I showed"}


def ask(turn: Turn, kind: str) -> int:
    """Note that the reply being built asks the user a question of ``kind``; returns the question round
    its buttons belong to."""
    access.ask_question(turn.session, turn.user_id, kind)
    return access.question_round(turn.session, turn.user_id)


def ask_stars(turn: Turn, movie_id: int) -> None:
    """Note that the reply being built shows the card of ``movie_id`` asking for stars (the only card
    that counts: a bare rating is read as the answer to the last one)."""
    end_stars(turn)
    access.ask_question(turn.session, turn.user_id, f"{STARS}:{movie_id}")


def stars_asked(turn: Turn) -> int | None:
    """The movie whose card last asked for stars, while no other message has moved on from it."""
    for kind in access.pending_questions(turn.session, turn.user_id):
        name, _, movie_id = kind.partition(":")
        if name == STARS and movie_id.isdigit():
            return int(movie_id)
    return None


def end_stars(turn: Turn) -> None:
    """Forget the card asking for stars, if any: it was answered, or the conversation moved on."""
    for kind in access.pending_questions(turn.session, turn.user_id):
        if kind.partition(":")[0] == STARS:
            access.end_questions(turn.session, turn.user_id, kind)


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
    what = " and ".join(_DESCRIPTIONS.get(kind.partition(":")[0], "my last question") for kind in ended)
    return Response().say(f"OK, cancelled {what}. Send a movie and stars, or /help, whenever you like.")

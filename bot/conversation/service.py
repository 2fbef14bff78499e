"""The conversation service: one synchronous entry point per incoming message or button press.

Telegram handlers, the console chat and the tests all call :meth:`Conversation.handle`. It keeps the
house rules in one place: every incoming message is stored first, in its own transaction, so nothing
is lost even if answering fails; the answer and its outgoing messages are written in a second
transaction that commits *before* the reply is returned, so a confirmation is never sent for a rating
that is not stored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection

from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import account, callbacks, details, feedback, groups, questions, ratings, recommend, watchlist
from bot.conversation.messages import Incoming, Response
from bot.conversation.replies import esc, toast
from bot.conversation.turn import Turn
from bot.matching import TitleMatcher
from bot.understanding import MessageUnderstanding
from db import access
from movierec.serving import Recommender

logger = logging.getLogger(__name__)

PUBLIC_COMMANDS: dict[str, str] = {
    "start": "Get started: pick groups you like, rate a few movies",
    "recommend": "Personal picks: /recommend [n] [genre]",
    "movie": "Details of a movie: /movie Fargo",
    "watchlist": "Movies you saved for later",
    "similar": "Movies like a title",
    "search": "Find a movie by title",
    "rate": "Rate a movie: /rate Fargo 5",
    "groups": "Pick the groups of movies you like",
    "myratings": "Your ratings, newest first",
    "unrate": "Remove a rating",
    "forget": "Delete everything I know about you",
    "cancel": "Stop a question I asked",
    "help": "What I can do",
}
"""Commands registered with Telegram (shown in the client's menu). Admin commands stay unlisted."""
ADMIN_COMMANDS = ("stats", "reload")
_SLOW_COMMANDS = frozenset({"recommend", "similar"})


def takes_a_while(incoming: Incoming) -> bool:
    """Whether answering runs the models (a list of picks, or similar movies), so a client should show
    "typing…" first. Decided from the message alone, before any work, and the same way every time."""
    if incoming.is_callback:
        return isinstance(callbacks.decode(incoming.callback_data), callbacks.More | callbacks.Similar)
    text = (incoming.text or "").strip()
    if not _is_command(text):
        return False
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].casefold() in _SLOW_COMMANDS


class RecommenderHolder:
    """The recommender being served; /reload and SIGHUP swap in a freshly loaded one.

    Readers take ``current`` once per turn, so a turn never mixes two model versions; the swap is a
    single attribute assignment, which is atomic for other threads.
    """

    def __init__(self, recommender: Recommender, loader: Callable[[], Recommender] | None = None) -> None:
        self.current = recommender
        self._loader = loader
        self._reload_lock = threading.Lock()

    def reload(self) -> Recommender:
        """Load the newest artifacts and serve them; the old model keeps serving if this raises."""
        if self._loader is None:
            raise RuntimeError("this recommender was not loaded from artifacts, so it cannot be reloaded")
        with self._reload_lock:
            fresh = self._loader()
            self.current = fresh
        logger.info("now serving model version %s (fallback=%s)", fresh.version, fresh.is_fallback)
        return fresh

    def reload_in_background(self) -> None:
        """SIGHUP's reload, on its own thread so neither the event loop nor the console chat waits for it;
        a failure is logged and the old model keeps serving."""

        def reload() -> None:
            try:
                self.reload()
            except Exception:  # the bot must keep serving the old model whatever went wrong
                logger.exception("SIGHUP reload failed; still serving the previous model")

        threading.Thread(target=reload, name="sighup-reload", daemon=True).start()


class Conversation:
    """Answers each :class:`Incoming` with a :class:`Response`; never touches telegram objects."""

    def __init__(self, session_factory: sessionmaker[Session], recommender_holder: RecommenderHolder,
                 understanding: MessageUnderstanding, admin_ids: Collection[int], *, matcher: TitleMatcher,
                 clock: Callable[[], float] = time.time) -> None:
        self._sessions = session_factory
        self._holder = recommender_holder
        self._admin_ids = frozenset(admin_ids)
        self._clock = clock
        self._titles_lock = threading.Lock()
        self._titles = (recommender_holder.current, understanding, matcher)

    def handle(self, incoming: Incoming) -> Response:
        """Store the message, answer it, store the answer; returns what to send."""
        if not _ours(incoming):
            return Response()  # group chatter is not for us, and not ours to store
        with self._sessions.begin() as session:
            _store_incoming(session, incoming)
        recommender = self._holder.current
        understanding, matcher = self._title_lookup(recommender)
        with self._sessions.begin() as session:
            turn = Turn(session, incoming, recommender, understanding, matcher,
                        incoming.from_owner or incoming.user_id in self._admin_ids, self._clock())
            response = self._dispatch(turn)
            if response.store_outgoing:
                if response.callback_answer:
                    _store_toast(session, incoming, response.callback_answer)
                for reply in response.replies:
                    _store_reply(session, incoming, reply.text)
        return response

    def record_unhandled(self, incoming: Incoming, answer: str | None) -> None:
        """Store a message the transport did not pass to :meth:`handle` (the flood limit held it back,
        or a button too old to answer), and the answer it gave instead, if any: a toast for a button."""
        if not _ours(incoming):
            return
        with self._sessions.begin() as session:
            _store_incoming(session, incoming)
            if answer is not None:
                (_store_toast if incoming.is_callback else _store_reply)(session, incoming, answer)

    def record_reply(self, incoming: Incoming, text: str) -> None:
        """Store a message the transport sent on its own about ``incoming`` (the apology after a failure)."""
        with self._sessions.begin() as session:
            _upsert_sender(session, incoming)  # the failure may have come before handle() stored them
            _store_reply(session, incoming, text)

    def _title_lookup(self, recommender: Recommender) -> tuple[MessageUnderstanding, TitleMatcher]:
        """The title matcher for ``recommender``'s catalog, rebuilt when a reload changed the catalog."""
        with self._titles_lock:
            owner, understanding, matcher = self._titles
            if owner is not recommender:
                if not owner.catalog["movie_id"].equals(recommender.catalog["movie_id"]):
                    matcher = TitleMatcher(recommender.catalog)
                    understanding = MessageUnderstanding(matcher)
                    logger.info("rebuilt the title matcher for model version %s", recommender.version)
                self._titles = (recommender, understanding, matcher)
            return understanding, matcher

    def _dispatch(self, turn: Turn) -> Response:
        incoming = turn.incoming
        if incoming.is_callback:
            return _on_button(turn, callbacks.decode(incoming.callback_data))
        if incoming.text is None:
            return Response().say(f"I can only read text. {ratings.NOT_UNDERSTOOD}")
        text = incoming.text.strip()
        if _is_command(text):
            command, *rest = text[1:].split(maxsplit=1)  # "/rate Fargo 5" and "/rate\nFargo 5" alike
            response = self._command(turn, command.split("@", 1)[0].casefold(), rest[0] if rest else "")
            if response is None:
                if incoming.chat_type != "private":
                    return Response()  # probably another bot's command: stay quiet in groups
                return Response().say(f"I don't know the command /{esc(command)}. /help lists what I can do.")
            return response
        return ratings.rate_message(turn, text)

    def _command(self, turn: Turn, name: str, args: str) -> Response | None:
        """The answer to ``/name args``; None for a command we don't know (or that is not for this user)."""
        match name:
            case "start":
                return account.start_command(turn)
            case "help":
                return account.help_command()
            case "recommend":
                return recommend.recommend_command(turn, args)
            case "similar":
                return recommend.similar_command(turn, args)
            case "search":
                return recommend.search_command(turn, args)
            case "rate":
                return ratings.rate_command(turn, args)
            case "unrate":
                return ratings.unrate_command(turn, args)
            case "groups":
                return groups.groups_command(turn)
            case "myratings":
                return account.myratings_command(turn)
            case "movie":
                return details.movie_command(turn, args)
            case "watchlist":
                return watchlist.watchlist_command(turn)
            case "cancel":
                return questions.cancel_command(turn)
            case "forget":
                return account.forget_command(turn)
            case "stats" if turn.is_admin:
                return account.stats_command(turn)
            case "reload" if turn.is_admin:
                return self._reload()
        return None

    def _reload(self) -> Response:
        try:
            fresh = self._holder.reload()
        except Exception as error:  # any failure keeps the old model serving; the admin sees why
            logger.exception("reload failed")
            return Response().say(f"Reload failed, still serving the previous model: {type(error).__name__}.")
        mode = "non-personal fallback" if fresh.is_fallback else "trained models"
        return Response().say(f"🔄 Reloaded: now serving <code>{fresh.version}</code> ({mode}).")


def _on_button(turn: Turn, action: callbacks.Action | None) -> Response:
    if isinstance(action, callbacks.Answer):  # a "which movie?" button: answers its question, unless cancelled
        if not questions.still_open(turn, action.question_round):
            return questions.cancelled_answer()
        questions.answered(turn, questions.WHICH_MOVIE)
        action = action.choice
    match action:
        case callbacks.Rate():
            return ratings.on_rate(turn, action)
        case callbacks.ShowMovie():
            return ratings.on_show(turn, action)
        case callbacks.Unrate():
            return ratings.on_unrate(turn, action)
        case callbacks.Similar():
            return recommend.on_similar(turn, action)
        case callbacks.NotInterested():
            return recommend.on_not_interested(turn, action)
        case callbacks.More():
            return recommend.on_more(turn, action)
        case callbacks.Onboard():
            return account.on_onboard(turn, action)
        case callbacks.RatingsPage():
            return account.on_ratings_page(turn, action)
        case callbacks.Forget():
            return account.on_forget(turn, action)
        case callbacks.Seen():
            return feedback.on_seen(turn, action)
        case callbacks.Save():
            return feedback.on_save(turn, action)
        case callbacks.Details():
            return details.on_details(turn, action)
        case callbacks.Unsave():
            return watchlist.on_unsave(turn, action)
        case callbacks.WatchlistPage():
            return watchlist.on_page(turn, action)
        case callbacks.Group():
            return groups.on_group(turn, action)
        case callbacks.GroupsDone():
            return account.on_groups_done(turn)
        case callbacks.UnlikeGroup():
            return account.on_unlike_group(turn, action)
    logger.info("unusable callback data %r from user %s", turn.incoming.callback_data, turn.user_id)
    return ratings.stale_button()


def _ours(incoming: Incoming) -> bool:
    """Whether the message is for the bot (and so stored): not group chatter between people."""
    return _kind(incoming) not in ("text", "other") or incoming.chat_type == "private"


def _upsert_sender(session: Session, incoming: Incoming) -> None:
    access.upsert_user(session, incoming.user_id, incoming.chat_id, first_name=incoming.first_name,
                       last_name=incoming.last_name, username=incoming.username,
                       language_code=incoming.language_code)


def _store_incoming(session: Session, incoming: Incoming) -> None:
    """Create or refresh the sender, then log what they sent."""
    _upsert_sender(session, incoming)
    access.log_message(session, chat_id=incoming.chat_id, direction="in", kind=_kind(incoming),
                       text=incoming.callback_data if incoming.is_callback else incoming.text or "",
                       user_id=incoming.user_id, telegram_message_id=incoming.message_id)


def _store_reply(session: Session, incoming: Incoming, text: str) -> None:
    access.log_message(session, chat_id=incoming.chat_id, direction="out", kind="text", text=text,
                       user_id=incoming.user_id)


def _store_toast(session: Session, incoming: Incoming, text: str) -> None:
    """A button's answer (shown briefly over the chat), logged as the outgoing "callback" it is, as sent."""
    access.log_message(session, chat_id=incoming.chat_id, direction="out", kind="callback", text=toast(text),
                       user_id=incoming.user_id)


def _kind(incoming: Incoming) -> str:
    """The messages-table kind: callback, command, text, or other (a sticker, a photo…)."""
    if incoming.is_callback:
        return "callback"
    if incoming.text is None:
        return "other"
    return "command" if _is_command(incoming.text) else "text"


def _is_command(text: str | None) -> bool:
    return bool(text) and text.lstrip().startswith("/") and len(text.strip()) > 1

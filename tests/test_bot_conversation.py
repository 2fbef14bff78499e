"""The transport-free conversation, called directly: the rules that need no HTTP to check."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import Services
from bot.conversation import Conversation, Incoming, RecommenderHolder
from bot.conversation import callbacks as cb
from bot.conversation.account import FORGET_WINDOW_S
from bot.conversation.ratings import MAX_QUESTIONS
from bot.handlers import SlidingWindowLimiter
from db import access
from db.engine import make_engine, make_session_factory
from tests.bot_support import (ADMIN_ID, Served, conversation, database_url, make_conversation,  # noqa: F401
                               migrated_database, served, services, session_factory)

USER = 4242


def text(message: str, user: int = USER, chat_type: str = "private") -> Incoming:
    return Incoming(user_id=user, chat_id=user if chat_type == "private" else -1, chat_type=chat_type,
                    first_name="Tess", text=message)


def button(data: str, user: int = USER) -> Incoming:
    return Incoming(user_id=user, chat_id=user, first_name="Tess", callback_data=data)


def test_a_rating_is_committed_before_the_confirmation_returns(conversation: Conversation, database_url: str) -> None:
    response = conversation.handle(text("Fargo 5"))
    assert "✓" in response.replies[0].text
    other_engine = make_engine(database_url)  # another connection sees it: it is committed
    with make_session_factory(other_engine).begin() as session:
        assert access.get_ratings(session, USER) == {100: 5.0}
    other_engine.dispose()


def test_forget_refuses_someone_elses_and_stale_buttons(services: Services, served: Served) -> None:
    now = [1_800_000_000.0]
    conversation = make_conversation(services, served, clock=lambda: now[0])
    conversation.handle(text("Fargo 5"))
    question = conversation.handle(text("/forget")).replies[0]
    yes = question.buttons[0][0].callback_data
    assert "someone else" in conversation.handle(button(yes, user=USER + 1)).callback_answer
    now[0] += FORGET_WINDOW_S + 1
    expired = conversation.handle(button(yes))
    assert "expired" in expired.replies[0].text
    with session_factory(services.engine).begin() as session:
        assert access.count_ratings(session, USER) == 1


def test_group_plain_text_is_neither_answered_nor_stored(conversation: Conversation, services: Services) -> None:
    assert conversation.handle(text("Fargo 5", chat_type="group")).replies == []
    with session_factory(services.engine).begin() as session:
        assert set(access.count_rows_for_user(session, USER).values()) == {0}
    assert "/recommend" in conversation.handle(text("/help", chat_type="group")).replies[0].text


def test_commands_with_titles(conversation: Conversation) -> None:
    conversation.handle(text("Fargo 5, Heat 4"))
    assert "Removed your rating of <b>Fargo (1996)</b>" in conversation.handle(text("/unrate fargo")).replies[0].text
    assert "haven't rated" not in conversation.handle(text("/unrate heat")).replies[0].text
    similar = conversation.handle(text("/similar toy story")).replies[0]
    assert similar.text.startswith("Movies like <b>Toy Story (1995)</b>") and len(similar.buttons) == 8
    # a command's title takes no rating: "star trek 4" is Star Trek IV, not four stars for some Star Trek
    similar = conversation.handle(text("/similar star trek 4")).replies[0]
    assert similar.text.startswith("Movies like <b>Star Trek IV: The Voyage Home (1986)</b>")
    assert "<b>Star Trek IV: The Voyage Home</b> (1986)" in conversation.handle(text("/movie star trek 4")).replies[0].text
    conversation.handle(text("Star Trek IV: The Voyage Home 4"))
    assert "Removed your rating of <b>Star Trek IV" in conversation.handle(text("/unrate star trek 4")).replies[0].text
    search = conversation.handle(text("/search star wars")).replies[0]
    assert any("Star Wars (1977)" in row[0].label for row in search.buttons)
    assert "e.g." in conversation.handle(text("/rate")).replies[0].text
    rated = conversation.handle(text("/rate Casablanca 4.5")).replies[0]
    assert "Casablanca (1942)" in rated.text and "4.5" in rated.text
    assert "I don't know the command /frobnicate" in conversation.handle(text("/frobnicate")).replies[0].text


def test_many_titles_without_stars_do_not_flood_the_chat(conversation: Conversation) -> None:
    response = conversation.handle(text("Fargo, Heat, Casablanca, Vertigo, Psycho, Jaws"))
    assert len(response.replies) == 1 + MAX_QUESTIONS
    assert "3 more titles" in response.replies[0].text


def test_reload_is_admin_only_and_a_failed_reload_keeps_the_old_model(services: Services, served: Served) -> None:
    loads = [served.fallback]

    def loader():  # noqa: ANN202
        if not loads:
            raise OSError("artifacts vanished")
        return loads.pop()

    holder = RecommenderHolder(served.personal, loader=loader)
    conversation = make_conversation(services, served, holder)
    assert "I don't know the command /reload" in conversation.handle(text("/reload")).replies[0].text
    reply = conversation.handle(text("/reload", user=ADMIN_ID)).replies[0].text
    assert "fallback" in reply and holder.current is served.fallback
    reply = conversation.handle(text("/reload", user=ADMIN_ID)).replies[0].text
    assert "Reload failed" in reply and holder.current is served.fallback


def test_stale_movie_in_a_button_is_refused_politely(conversation: Conversation) -> None:
    response = conversation.handle(button(cb.encode(cb.Rate(999_999, 8))))
    assert "no longer valid" in response.callback_answer and response.replies == []


def test_sliding_window_limiter() -> None:
    limiter = SlidingWindowLimiter(limit=3, window_s=10)
    assert [limiter.allow(1, t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.first_refusal(1) and not limiter.first_refusal(1)
    assert limiter.allow(2, 3)  # other users are not affected
    assert limiter.allow(1, 10.5)  # the first event left the window


def test_odd_messages_get_helpful_answers(conversation: Conversation) -> None:
    sticker = Incoming(user_id=USER, chat_id=USER, first_name="Tess")  # no text: a sticker or a photo
    assert "I can only read text" in conversation.handle(sticker).replies[0].text
    assert "Fargo (1996)" in conversation.handle(text("/rate\nFargo 5")).replies[0].text
    assert "/&lt;b&gt;" in conversation.handle(text("/<b>")).replies[0].text  # echoed safely
    assert conversation.handle(text("/otherbotcommand", chat_type="group")).replies == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.text(max_size=120)
       | st.from_regex(r"/(rate|unrate|similar|search|recommend|movie|watchlist|cancel) .{0,40}"),
       data=st.text(max_size=70))
def test_no_message_or_button_data_crashes_the_conversation(conversation: Conversation, message: str,
                                                           data: str) -> None:
    for incoming in (text(message), button(data)):
        response = conversation.handle(incoming)
        assert all(reply.text for reply in response.replies)

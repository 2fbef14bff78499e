"""The console chat through text streams (the process-level run is in test_bot_process.py)."""

from __future__ import annotations

import io
import os
import signal
import time
from typing import TextIO

from bot.app import Services
from bot.console import CONSOLE_USER_ID, run_console
from bot.conversation import Conversation, Incoming, RecommenderHolder
from db import access
from tests.bot_support import (Served, conversation, database_url, make_conversation,  # noqa: F401
                               migrated_database, served, services, session_factory)


def chat(conversation: Conversation, holder: RecommenderHolder, lines: str | TextIO) -> str:
    out = io.StringIO()
    run_console(conversation, io.StringIO(lines) if isinstance(lines, str) else lines, out, holder=holder)
    return out.getvalue()


def test_buttons_are_numbered_choices(conversation: Conversation, services: Services) -> None:
    out = chat(conversation, services.holder, "/start\n7\n2\n9\n5\n")  # 7: "Done" under the six taste groups
    assert "[7] Done" in out and "[1] 1★" in out and "[6] Haven't seen" in out
    assert "bot (edited)> ✓" in out  # pressing 2 rated the first card with two stars
    assert "Pick a button from 1 to 6" in out  # 9 is not a button
    with session_factory(services.engine).begin() as session:
        assert sorted(access.get_ratings(session, 1).values()) == [2.0, 5.0]
    assert out.rstrip().endswith("Bye!")  # EOF ends it


def test_quit_and_html_is_shown_as_plain_text(conversation: Conversation, services: Services) -> None:
    out = chat(conversation, services.holder, "Fargo 5\n/quit\nHeat 4\n")
    assert "✓ Fargo (1996) — ★★★★★ 5" in out and "<b>" not in out
    assert "Heat" not in out  # nothing after /quit is read


def test_the_console_user_owns_the_machine_so_may_reload(services: Services, served: Served) -> None:
    holder = RecommenderHolder(served.fallback, loader=lambda: served.personal)
    conversation = make_conversation(services, served, holder)
    out = chat(conversation, holder, "/reload\n")
    assert "Reloaded: now serving test-ease (trained models)" in out and holder.current is served.personal
    from_telegram = conversation.handle(Incoming(user_id=CONSOLE_USER_ID, chat_id=CONSOLE_USER_ID, text="/reload"))
    assert "I don't know the command /reload" in from_telegram.replies[0].text  # the same id over Telegram: no


class HangUpMidChat(io.StringIO):
    """Stdin that sends this process SIGHUP where a line reads ``HUP``, then waits for the reload."""

    def __init__(self, lines: str, holder: RecommenderHolder) -> None:
        super().__init__(lines)
        self._holder = holder

    def readline(self, size: int = -1) -> str:  # noqa: ARG002 - the console reads whole lines
        line = super().readline()
        if line != "HUP\n":
            return line
        before = self._holder.current
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 10
        while self._holder.current is before and time.monotonic() < deadline:  # the reload runs on a thread
            time.sleep(0.01)
        return "\n"


def test_sighup_reloads_the_models_and_the_chat_goes_on(services: Services, served: Served) -> None:
    holder = RecommenderHolder(served.fallback, loader=lambda: served.personal)
    conversation = make_conversation(services, served, holder)
    unhandled: list[int] = []

    def outside_the_chat(number: int, _frame: object) -> None:  # not SIG_DFL, so a chat that does not
        unhandled.append(number)  # handle SIGHUP fails this test instead of killing the test run

    previous = signal.signal(signal.SIGHUP, outside_the_chat)
    try:
        out = chat(conversation, holder, HangUpMidChat("/recommend 1\nHUP\n/recommend 1\n", holder))
        restored = signal.getsignal(signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert unhandled == [] and holder.current is served.personal and restored is outside_the_chat
    before, after = out.split("you> ")[1], out.split("you> ")[3]
    assert "Popular picks" in before and "isn't available" in before  # the fallback…
    assert "still fairly generic" in after and "isn't available" not in after  # …then the reloaded model
    assert out.rstrip().endswith("Bye!")

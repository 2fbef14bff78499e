"""The console chat through text streams (the process-level run is in test_bot_process.py)."""

from __future__ import annotations

import io

from bot.app import Services
from bot.console import run_console
from bot.conversation import Conversation
from db import access
from tests.bot_support import (conversation, database_url, migrated_database, served, services,  # noqa: F401
                               session_factory)


def chat(conversation: Conversation, lines: str) -> str:
    out = io.StringIO()
    run_console(conversation, io.StringIO(lines), out)
    return out.getvalue()


def test_buttons_are_numbered_choices(conversation: Conversation, services: Services) -> None:
    out = chat(conversation, "/start\n7\n2\n9\n5\n")  # 7: "Done" under the six taste groups
    assert "[7] Done" in out and "[1] 1★" in out and "[6] Haven't seen" in out
    assert "bot (edited)> ✓" in out  # pressing 2 rated the first card with two stars
    assert "Pick a button from 1 to 6" in out  # 9 is not a button
    with session_factory(services.engine).begin() as session:
        assert sorted(access.get_ratings(session, 1).values()) == [2.0, 5.0]
    assert out.rstrip().endswith("Bye!")  # EOF ends it


def test_quit_and_html_is_shown_as_plain_text(conversation: Conversation) -> None:
    out = chat(conversation, "Fargo 5\n/quit\nHeat 4\n")
    assert "✓ Fargo (1996) — ★★★★★ 5" in out and "<b>" not in out
    assert "Heat" not in out  # nothing after /quit is read

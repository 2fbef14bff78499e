"""A console chat over stdin/stdout, driven by the same conversation as the Telegram bot.

Without a Telegram token you can still talk to the recommender: type messages and see the replies;
buttons are listed as numbered choices, and typing a number presses that button. EOF (Ctrl-D) or
``/quit`` ends the chat. Whoever types here runs the bot on their own machine, so the admin commands
(/reload, /stats) are theirs; SIGHUP reloads the models, as it does for the Telegram bot.
"""

from __future__ import annotations

import html
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from bot.conversation import Button, Conversation, Incoming, RecommenderHolder, Response

CONSOLE_USER_ID = 1
"""The console user's id in the database (Telegram ids are large, so it cannot clash in practice)."""
PROMPT = "you> "
_TAG = re.compile(r"</?(b|i|code|u|s|a)( [^>]*)?>")


def run_console(conversation: Conversation, stdin: TextIO, stdout: TextIO, *, holder: RecommenderHolder,
                user_id: int = CONSOLE_USER_ID, first_name: str = "Console") -> None:
    """Chat until EOF or /quit; never raises for anything the user types. Meanwhile SIGHUP reloads
    ``holder`` (the conversation's models), so call it from the main thread."""
    stdout.write("Console chat with the movie recommender. Type /help, or /quit to leave.\n")
    with _reload_on_sighup(holder):
        _chat(conversation, stdin, stdout, user_id, first_name)


@contextmanager
def _reload_on_sighup(holder: RecommenderHolder) -> Iterator[None]:
    previous = signal.signal(signal.SIGHUP, lambda _signal, _frame: holder.reload_in_background())
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def _chat(conversation: Conversation, stdin: TextIO, stdout: TextIO, user_id: int, first_name: str) -> None:
    buttons: list[Button] = []
    while True:
        stdout.write(PROMPT)
        stdout.flush()
        line = stdin.readline()
        if not line:  # EOF
            stdout.write("\nBye!\n")
            return
        text = line.strip()
        if not text:
            continue
        if text in ("/quit", "/exit"):
            stdout.write("Bye!\n")
            return
        if text.isdigit() and buttons:
            choice = int(text)
            if not 1 <= choice <= len(buttons):
                stdout.write(f"Pick a button from 1 to {len(buttons)}, or type a message.\n")
                continue
            incoming = Incoming(user_id=user_id, chat_id=user_id, first_name=first_name,
                                callback_data=buttons[choice - 1].callback_data, from_owner=True)
        else:
            incoming = Incoming(user_id=user_id, chat_id=user_id, first_name=first_name, text=text,
                                from_owner=True)
        buttons = render(conversation.handle(incoming), stdout)


def render(response: Response, stdout: TextIO) -> list[Button]:
    """Print the replies as plain text; returns the buttons, numbered in the order printed."""
    buttons: list[Button] = []
    if response.callback_answer:
        stdout.write(f"  ({response.callback_answer})\n")
    for reply in response.replies:
        stdout.write(("bot (edited)> " if reply.edit else "bot> ") + plain_text(reply.text) + "\n")
        for row in reply.buttons:
            labels = []
            for button in row:
                buttons.append(button)
                labels.append(f"[{len(buttons)}] {button.label}")
            stdout.write("    " + "  ".join(labels) + "\n")
    return buttons


def plain_text(text: str) -> str:
    """The HTML replies without tags or entities, as a terminal should show them."""
    return html.unescape(_TAG.sub("", text))

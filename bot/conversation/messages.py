"""The transport-free message types the conversation speaks.

Telegram, the console chat and the tests all translate their own input into an :class:`Incoming` and
render a :class:`Response`; the conversation logic never sees a telegram object, so it can be tested
and reused without a network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ChatType = Literal["private", "group"]


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: sent ``text`` or pressed a button carrying ``callback_data``."""

    user_id: int
    chat_id: int
    chat_type: ChatType = "private"
    first_name: str = ""
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    text: str | None = None
    callback_data: str | None = None
    message_id: int | None = None
    """Telegram id of the incoming message (or of the message whose button was pressed)."""
    from_owner: bool = False
    """Typed at the local console, by whoever runs the bot on their machine: an admin by definition.
    Only the console sets it; nothing a Telegram user sends can."""

    @property
    def is_callback(self) -> bool:
        return self.callback_data is not None


@dataclass(frozen=True)
class Button:
    """An inline button; ``callback_data`` is produced by :func:`bot.conversation.callbacks.encode`."""

    label: str
    callback_data: str


@dataclass(frozen=True)
class Reply:
    """One message to show, in HTML; ``edit`` replaces the message whose button was pressed."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False


@dataclass
class Response:
    """Everything the bot answers to one :class:`Incoming`."""

    replies: list[Reply] = field(default_factory=list)
    callback_answer: str | None = None
    """Short toast for a pressed button (≤ 200 characters); every callback query is answered."""
    store_outgoing: bool = True
    """False only after /forget: storing the goodbye would recreate data about the user."""

    def say(self, text: str, buttons: list[list[Button]] | None = None, *, edit: bool = False) -> Response:
        """Append a reply; returns self so short answers read as one expression."""
        self.replies.append(Reply(text, buttons or [], edit))
        return self

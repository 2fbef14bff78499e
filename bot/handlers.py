"""Thin python-telegram-bot callbacks: translate an Update, ask the conversation, send its answer.

Everything that decides *what* to say lives in :mod:`bot.conversation`; this module only deals with
Telegram: building an :class:`Incoming`, running the (blocking) conversation in a worker thread so
database and model calls never stall the event loop, keeping one user's updates in order while
different users are served concurrently, a per-user flood limit, and the error handler.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from dataclasses import dataclass, field

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackContext, ExtBot

from bot.conversation import Conversation, Incoming, Reply, Response, takes_a_while
from bot.conversation.replies import split_message, toast

logger = logging.getLogger(__name__)

SORRY = "😵 Sorry, something went wrong on my side. Please try again in a moment."
SLOW_DOWN = "🐢 You're sending messages faster than I can keep up. Give me a few seconds, then carry on."
TOO_OLD = "This button is too old, please send the command again."


@dataclass
class SlidingWindowLimiter:
    """At most ``limit`` events per ``window_s`` seconds per user, over a sliding window.

    Telegram itself limits how fast *we* send; this limits how fast one user can make us work.
    """

    limit: int = 20
    window_s: float = 10.0
    _events: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)

    def allow(self, user_id: int, now: float) -> bool:
        events = self._events.setdefault(user_id, deque())
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return False
        events.append(now)
        self._warned.discard(user_id)
        if len(self._events) > 10_000:  # forget idle users so the table cannot grow without bound
            self._events = {u: e for u, e in self._events.items() if e and now - e[-1] < self.window_s}
        return True

    def first_refusal(self, user_id: int) -> bool:
        """True once per burst, so the polite reply is not itself a flood."""
        if user_id in self._warned:
            return False
        self._warned.add(user_id)
        return True


@dataclass
class BotData:
    """Typed ``context.bot_data``; filled by :func:`bot.app.build_application`."""

    conversation: Conversation | None = None
    limiter: SlidingWindowLimiter = field(default_factory=SlidingWindowLimiter)
    user_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def require_conversation(self) -> Conversation:
        if self.conversation is None:
            raise RuntimeError("the application was built without a conversation")
        return self.conversation


Context = CallbackContext[ExtBot[None], dict, dict, BotData]


async def on_message(update: Update, context: Context) -> None:
    """A message (private chat: anything; groups: the conversation keeps to commands)."""
    message = update.effective_message
    if message is None or update.effective_user is None or update.effective_chat is None:
        return
    text = message.text
    if text is not None and text.startswith("/") and not _addressed_to_us(text, context.bot.username):
        return
    incoming = _incoming(update, text=text, message_id=message.message_id)
    await _serve(incoming, context, message=message, query=None)


async def on_callback(update: Update, context: Context) -> None:
    """A button press. The query is always answered, even when handling fails."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    message = query.message if isinstance(query.message, Message) else None
    if message is None:  # an inline-mode or too-old message we cannot reply to
        if update.effective_chat is not None:  # an inline-mode message belongs to no chat to log it in
            incoming = _incoming(update, callback_data=query.data or "")
            await asyncio.to_thread(context.bot_data.require_conversation().record_unhandled, incoming, TOO_OLD)
        await query.answer(TOO_OLD)
        return
    incoming = _incoming(update, callback_data=query.data or "", message_id=message.message_id)
    await _serve(incoming, context, message=message, query=query)


async def _serve(incoming: Incoming, context: Context, *, message: Message, query: CallbackQuery | None) -> None:
    data = context.bot_data
    answered = False
    try:
        if not data.limiter.allow(incoming.user_id, time.monotonic()):
            # held back, but still stored with the answer, if any: a toast, or one reply per burst
            answer = SLOW_DOWN if query is not None or data.limiter.first_refusal(incoming.user_id) else None
            await asyncio.to_thread(data.require_conversation().record_unhandled, incoming, answer)
            if query is not None:
                answered = True
                await query.answer(toast(SLOW_DOWN))
            elif answer is not None:
                await message.reply_text(SLOW_DOWN)
            return
        lock = data.user_locks.setdefault(incoming.user_id, asyncio.Lock())
        async with lock:  # one user's updates in order; other users are not held up
            if takes_a_while(incoming):
                await _show_typing(context.bot, incoming.chat_id)
            response = await asyncio.to_thread(data.require_conversation().handle, incoming)
            if query is not None:
                # Answered before anything is sent or edited. Not before handling: the toast text is
                # the conversation's (a forged button gets its polite answer there), which takes ms.
                answered = True
                await query.answer(toast(response.callback_answer) if response.callback_answer else None)
            await send_response(context.bot, message, response)
    finally:
        if query is not None and not answered:
            try:
                await query.answer()
            except TelegramError:
                logger.warning("could not answer callback query %s", query.id)


async def _show_typing(bot: ExtBot[None], chat_id: int) -> None:
    """"typing…" in the client while the models work; a refusal must not cost the user the answer."""
    try:
        await bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        logger.info("could not show typing in chat %s: %s", chat_id, error)


async def send_response(bot: ExtBot[None], message: Message, response: Response) -> None:
    """Send (or edit into the pressed message) every reply, split to Telegram's length limit."""
    for reply in response.replies:
        pieces = split_message(reply.text)
        markup = _markup(reply)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if reply.edit and index == 0:
                await _edit(bot, message, piece, markup if last else None)
            else:
                await bot.send_message(message.chat_id, piece, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if last else None)


async def _edit(bot: ExtBot[None], message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    try:
        await bot.edit_message_text(text, chat_id=message.chat_id, message_id=message.message_id,
                                    parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" in str(error).lower():  # pressing the same button twice
            return
        if "can't be edited" in str(error).lower() or "not found" in str(error).lower():
            await bot.send_message(message.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        raise


def _markup(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.callback_data) for b in row]
                                 for row in reply.buttons if row])


def _incoming(update: Update, *, text: str | None = None, callback_data: str | None = None,
              message_id: int | None = None) -> Incoming:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None  # checked by the callers
    return Incoming(user_id=user.id, chat_id=chat.id,
                    chat_type="private" if chat.type == ChatType.PRIVATE else "group",
                    first_name=user.first_name or "", last_name=user.last_name, username=user.username,
                    language_code=user.language_code, text=text, callback_data=callback_data,
                    message_id=message_id)


def _addressed_to_us(text: str, bot_username: str | None) -> bool:
    """``/cmd`` or ``/cmd@ourbot``; a group's ``/cmd@otherbot`` is someone else's."""
    command = text.split(maxsplit=1)[0]
    _, at, target = command.partition("@")
    return not at or (bot_username is not None and target.casefold() == bot_username.casefold())


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its traceback, then apologise to the user without internals (and log that)."""
    logger.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        if update.effective_user is not None:
            try:
                await asyncio.to_thread(context.bot_data.require_conversation().record_reply, _incoming(update),
                                        SORRY)
            except Exception:  # the failure may be the database's: the apology must still go out
                logger.warning("could not store the apology to chat %s", update.effective_chat.id, exc_info=True)
        try:
            await context.bot.send_message(update.effective_chat.id, SORRY)
        except TelegramError:
            logger.warning("could not tell chat %s about the error", update.effective_chat.id)

"""A Telegram Bot API emulator (aiohttp) for end-to-end tests of the real python-telegram-bot stack.

The bot talks to it over HTTP exactly as to api.telegram.org (``<url>/bot<token>/<method>``). The
emulator keeps Telegram's rules that matter to a bot, so a test fails where Telegram would: HTML must
parse, text ≤ 4096 characters, callback_data 1–64 bytes, dates in seconds, callback updates carry
``chat_instance``, edits of unknown messages fail, unknown methods answer a Telegram error JSON (404).

Test-side API: :meth:`send_text` and :meth:`press_button` queue updates as a user would cause them
(:meth:`new_message` only builds the message, for a test that posts it to a webhook itself);
:meth:`wait_for_replies` returns what the bot sent or edited in a chat; :attr:`calls` records every
request the bot made.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "span",
                "tg-spoiler", "blockquote", "tg-emoji"}
# An & that does not start one of the entities Telegram's HTML mode knows.
_BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)")
# Parameters python-telegram-bot sends JSON-encoded inside form fields.
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "scope", "entities", "link_preview_options",
               "reply_parameters"}


class ApiError(Exception):
    """A Telegram error answer: ``{"ok": false, "error_code": …, "description": …}``."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class TgUser:
    """A human user of the emulated Telegram."""

    id: int
    first_name: str = "Ada"
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name,
                                "language_code": self.language_code}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class BotOutput:
    """One thing the bot did in a chat: a new message or an edit of one."""

    method: str
    message_id: int
    html: str
    """The text as the bot sent it (HTML parse mode)."""
    text: str
    """The text as a user sees it (tags removed, entities decoded), as Telegram returns it."""
    buttons: list[list[dict[str, str]]] = field(default_factory=list)

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for row in self.buttons for b in row if "callback_data" in b]

    def button(self, label_part: str) -> str:
        """callback_data of the first button whose label contains ``label_part``."""
        for row in self.buttons:
            for b in row:
                if label_part in b["text"]:
                    return b["callback_data"]
        raise AssertionError(f"no button containing {label_part!r} in {self.buttons}")


class _HtmlChecker(HTMLParser):
    """Accepts what Telegram's HTML parse mode accepts (allowed tags, balanced) and keeps the plain text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            raise ApiError(400, f"Bad Request: can't parse entities: unexpected end tag \"{tag}\"")

    def handle_data(self, data: str) -> None:
        self.plain.append(data)


def check_html(text: str) -> str:
    """The plain text of an HTML message, or ApiError 400 as Telegram would answer."""
    if "<" in text.replace("&lt;", ""):
        # a bare '<' that is not a tag is what unescaped titles produce
        for chunk in text.split("<")[1:]:
            name = chunk.split(">", 1)[0].lstrip("/").split(" ", 1)[0]
            if name not in ALLOWED_TAGS:
                raise ApiError(400, "Bad Request: can't parse entities: unsupported start tag")
    bare = _BARE_AMPERSAND.search(text)
    if bare:  # Telegram: every & that does not start an entity must be written &amp;
        raise ApiError(400, f"Bad Request: can't parse entities: character '&' is reserved (offset {bare.start()})")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(400, f"Bad Request: can't parse entities: unclosed tag \"{checker.stack[-1]}\"")
    return "".join(checker.plain)


class BotApiEmulator:
    """Serve the Bot API on 127.0.0.1; see the module docstring."""

    def __init__(self, token: str = "123456:TEST-token_abc", bot_username: str = "movierec_test_bot") -> None:
        self.token = token
        self.bot = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "MovieRec",
                    "username": bot_username, "can_join_groups": True, "can_read_all_group_messages": False,
                    "supports_inline_queries": False}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused_methods: set[str] = set()
        self.commands: list[dict[str, str]] = []
        self.webhook: dict[str, Any] = {}
        """The last setWebhook parameters (url, secret_token, …); empty after deleteWebhook."""
        self.callback_answers: dict[str, str | None] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._outputs: dict[int, list[BotOutput]] = {}
        self._cursor: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._wakes = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ---- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1; returns the API base URL (TELEGRAM_API_URL)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- what a user does -----------------------------------------------------------------------
    async def send_text(self, user: TgUser, text: str, *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """Queue a text message from ``user`` (private chat unless ``chat`` is given)."""
        message = self.new_message(user, text, chat=chat)
        await self._push({"message": message})
        return message

    def new_message(self, user: TgUser, text: str, *, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """A text message from ``user`` as Telegram would deliver it, known to this server but not queued
        for ``getUpdates``: for tests that deliver updates themselves, as Telegram does to a webhook."""
        chat = chat or {"id": user.id, "type": "private", "first_name": user.first_name}
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat, "from": user.as_json(), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    async def send_update(self, update: dict[str, Any]) -> None:
        """Queue any update as Telegram would deliver it (a sticker, an edit, a channel post…); the
        ``update_id`` is added here."""
        await self._push(update)

    async def press_button(self, user: TgUser, message: BotOutput | dict[str, Any], callback_data: str,
                           *, chat_id: int | None = None) -> str:
        """Queue a button press on a bot message; returns the callback query id."""
        message_id = message.message_id if isinstance(message, BotOutput) else message["message_id"]
        chat_id = user.id if chat_id is None else chat_id
        stored = self._messages[(chat_id, message_id)]
        query_id = str(next(self._callback_ids))
        self.callback_answers.pop(query_id, None)
        await self._push({"callback_query": {"id": query_id, "from": user.as_json(), "message": stored,
                                             "chat_instance": f"ci-{chat_id}", "data": callback_data}})
        return query_id

    async def wait_for_replies(self, chat_id: int, n: int, timeout: float = 10.0) -> list[BotOutput]:
        """The next ``n`` messages/edits the bot made in ``chat_id`` (TimeoutError if they don't come)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: len(self._outputs.get(chat_id, [])) - self._cursor.get(chat_id, 0) >= n), timeout)
            start = self._cursor.get(chat_id, 0)
            self._cursor[chat_id] = start + n
            return self._outputs[chat_id][start:start + n]

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 10.0) -> str | None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: query_id in self.callback_answers), timeout)
            return self.callback_answers[query_id]

    async def wake_pollers(self) -> None:
        """End every waiting long poll now (empty answer), so a stopping bot need not wait it out."""
        async with self._changed:
            self._wakes += 1
            self._changed.notify_all()

    def outputs(self, chat_id: int) -> list[BotOutput]:
        """Everything the bot sent or edited in ``chat_id`` so far, in order."""
        return list(self._outputs.get(chat_id, []))

    def pending(self, chat_id: int) -> list[BotOutput]:
        """Outputs in ``chat_id`` not yet returned by :meth:`wait_for_replies`."""
        return self._outputs.get(chat_id, [])[self._cursor.get(chat_id, 0):]

    def methods_called(self) -> list[str]:
        return [method for method, _ in self.calls]

    # ---- the HTTP side ------------------------------------------------------------------------
    async def _push(self, update: dict[str, Any]) -> None:
        async with self._changed:
            self._updates.append({"update_id": next(self._update_ids), **update})
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append((method, params))
        handler = getattr(self, f"_api_{method.casefold()}", None)
        if method in self.refused_methods:
            return _error(ApiError(400, f"Bad Request: {method} is refused by this server"))
        if handler is None:
            return _error(ApiError(404, "Not Found: method not found"))
        try:
            result = await handler(params)
        except ApiError as error:
            return _error(error)
        except (KeyError, ValueError, TypeError) as error:
            return _error(ApiError(400, f"Bad Request: bad parameters: {error}"))
        return web.json_response({"ok": True, "result": result})

    async def _api_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot

    async def _api_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        async with self._changed:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones go
            if not self._updates and timeout > 0:
                wakes = self._wakes
                try:
                    await asyncio.wait_for(self._changed.wait_for(
                        lambda: bool(self._updates) or self._wakes != wakes), timeout)
                except TimeoutError:
                    pass
            return self._updates[:limit]

    async def _api_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        html, plain = _text(params)
        buttons = _buttons(params)
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                   "from": self.bot, "text": plain}
        if buttons:
            message["reply_markup"] = {"inline_keyboard": buttons}
        self._messages[(chat_id, message["message_id"])] = message
        await self._record(chat_id, BotOutput("sendMessage", message["message_id"], html, plain, buttons))
        return message

    async def _api_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        html, plain = _text(params)
        buttons = _buttons(params)
        if message["text"] == plain and message.get("reply_markup", {}).get("inline_keyboard", []) == buttons:
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                "reply markup are exactly the same as a current content and reply markup")
        message["text"] = plain
        message["edit_date"] = int(time.time())
        if buttons:
            message["reply_markup"] = {"inline_keyboard": buttons}
        else:
            message.pop("reply_markup", None)
        await self._record(message["chat"]["id"], BotOutput("editMessageText", message["message_id"], html,
                                                            plain, buttons))
        return message

    async def _api_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        buttons = _buttons(params)
        if buttons:
            message["reply_markup"] = {"inline_keyboard": buttons}
        else:
            message.pop("reply_markup", None)
        await self._record(message["chat"]["id"], BotOutput("editMessageReplyMarkup", message["message_id"],
                                                            message["text"], message["text"], buttons))
        return message

    async def _api_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params["callback_query_id"])
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query id is invalid")
        text = params.get("text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        async with self._changed:
            self.callback_answers[query_id] = text
            self._changed.notify_all()
        return True

    async def _api_setmycommands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params["commands"])
        return True

    async def _api_getmycommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands

    async def _api_deletemycommands(self, params: dict[str, Any]) -> bool:
        self.commands = []
        return True

    async def _api_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _api_setwebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    async def _api_sendchataction(self, params: dict[str, Any]) -> bool:
        return True

    # ---- helpers --------------------------------------------------------------------------------
    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None or message.get("from", {}).get("id") != self.bot["id"]:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    async def _record(self, chat_id: int, output: BotOutput) -> None:
        async with self._changed:
            self._outputs.setdefault(chat_id, []).append(output)
            self._changed.notify_all()


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields (JSON-encoded where structured) or a JSON body; both are what clients send."""
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    form = await request.post() if request.method == "POST" else request.query
    params: dict[str, Any] = {}
    for key, value in form.items():
        params[key] = json.loads(value) if key in JSON_FIELDS and isinstance(value, str) else value
    return params


def _text(params: dict[str, Any]) -> tuple[str, str]:
    text = str(params.get("text") or "")
    if not text.strip():
        raise ApiError(400, "Bad Request: message text is empty")
    plain = check_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
    if len(plain) > MAX_TEXT:
        raise ApiError(400, "Bad Request: message is too long")
    return text, plain


def _buttons(params: dict[str, Any]) -> list[list[dict[str, str]]]:
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return rows


def _error(error: ApiError) -> web.Response:
    return web.json_response({"ok": False, "error_code": error.code, "description": error.description},
                             status=error.code)

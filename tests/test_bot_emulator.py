"""The Bot API emulator answers like Telegram where python-telegram-bot depends on it."""

from __future__ import annotations

import aiohttp
import pytest

from tests.bot_support import (ALICE, RunningBot, database_url, emulator, migrated_database, running_bot,  # noqa: F401
                               served, services)
from tests.emulator import BotApiEmulator, check_html


async def call(emulator: BotApiEmulator, method: str, token: str | None = None, **params: object) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.url}/bot{token or emulator.token}/{method}"
        async with session.post(url, json=params) as response:
            return response.status, await response.json()


async def test_get_me_is_a_bot_and_unknown_methods_are_telegram_errors(emulator: BotApiEmulator) -> None:
    status, body = await call(emulator, "getMe")
    assert status == 200 and body["result"]["is_bot"] is True
    status, body = await call(emulator, "sendSticker", chat_id=1)
    assert status == 404 and body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    status, body = await call(emulator, "getMe", token="1:wrong")
    assert status == 401 and body["ok"] is False


async def test_telegram_limits_are_enforced(emulator: BotApiEmulator) -> None:
    status, body = await call(emulator, "sendMessage", chat_id=1, text="x" * 4097)
    assert status == 400 and "too long" in body["description"]
    status, _ = await call(emulator, "sendMessage", chat_id=1, text="a < b", parse_mode="HTML")
    assert status == 400
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "y" * 65}]]}
    status, body = await call(emulator, "sendMessage", chat_id=1, text="hi", reply_markup=markup)
    assert status == 400 and "BUTTON_DATA_INVALID" in body["description"]


def test_html_check() -> None:
    assert check_html("<b>Tom &amp; Jerry</b> &lt;3") == "Tom & Jerry <3"
    with pytest.raises(Exception, match="parse entities"):
        check_html("<b>unclosed")


@pytest.fixture
def refusing_emulator(emulator: BotApiEmulator) -> BotApiEmulator:
    emulator.refused_methods.add("setMyCommands")
    return emulator


async def test_bot_starts_when_the_server_refuses_set_my_commands(refusing_emulator: BotApiEmulator,
                                                                  running_bot: RunningBot) -> None:
    assert "setMyCommands" in running_bot.emulator.methods_called()
    await running_bot.emulator.send_text(ALICE, "/help")
    (reply,) = await running_bot.emulator.wait_for_replies(ALICE.id, 1)
    assert "/recommend" in reply.text

"""Forged buttons and non-text updates through the real bot over the Bot API emulator.

Buttons carry their whole state in callback_data (``bot/conversation/callbacks.py``), which the client
controls: forged, truncated, stale or someone else's data must get a polite answer and change nothing.
Updates that are not text (stickers, photos, edits, channel posts…) must neither crash the bot nor,
where they are not addressed to it, make it speak.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from db import access
from tests.bot_support import (ALICE, BOB, RunningBot, database_url, emulator, migrated_database,  # noqa: F401
                               running_bot, served, services)
from tests.emulator import TgUser
from tests.reliability_support import answered_before_help, assert_no_errors, assert_polite, exchange, state_rows
from tests.test_bot_e2e import stored_ratings

pytestmark = pytest.mark.realdata

HEAT, CHASING_AMY, CHASING_AMY_TWIN = 273, 246, 268  # 268 was merged into 246 when the data was cleaned
REMOVED_MOVIE = 267  # the "unknown" placeholder, dropped from the catalog
STALE = "no longer valid"
NOW = int(time.time())

BUTTONS = [  # (case, callback_data, toast phrase, reply phrase, ratings added)
    ("unknown kind", "1|z|100|8", STALE, None, {}),
    ("SQL in the data", "1|r|100|8' OR '1'='1", STALE, None, {}),
    ("format string", "{0}%s%n", STALE, None, {}),
    ("NUL byte", "1|r|100\x00|8", STALE, None, {}),
    ("truncated", "1|r|10", STALE, None, {}),
    ("over 64 bytes", "1|r|" + "1" * 70 + "|8", STALE, None, {}),
    ("older release", "0|r|100|8", STALE, None, {}),
    ("removed movie", f"1|r|{REMOVED_MOVIE}|8", STALE, None, {}),
    ("movie not in the catalog", "1|c|1683", STALE, None, {}),
    ("onboarding card of no movie", "1|o|1683|8|3", STALE, None, {}),
    ("merged movie rates its twin", f"1|r|{CHASING_AMY_TWIN}|8", "Saved", "Chasing Amy (1997)", {CHASING_AMY: 4.0}),
    ("picks list never shown", "1|t|9999|5|-", STALE, None, {}),
    ("picks page of an older release", "1|m|5|1|-", STALE, None, {}),
    ("ratings page out of range", "1|p|9999", None, "page 1 of 1", {}),
    ("someone else's /forget", f"1|f|{BOB.id}|{NOW}|y", "someone else", None, {}),
    ("a week-old /forget", f"1|f|{ALICE.id}|{NOW - 7 * 86400}|y", "expired", "nothing was deleted", {}),
]


@pytest.mark.parametrize(("data", "toast", "reply", "added"), [case[1:] for case in BUTTONS],
                         ids=[case[0] for case in BUTTONS])
async def test_forged_truncated_and_stale_buttons(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                  data: str, toast: str | None, reply: str | None,
                                                  added: dict[int, float]) -> None:
    await exchange(running_bot, ALICE, "Heat 4")
    (card,) = await exchange(running_bot, ALICE, "Fargo")
    before = state_rows(running_bot)
    query_id = await running_bot.emulator.press_button(ALICE, card, data)
    outputs = await answered_before_help(running_bot, ALICE)
    answer = await running_bot.emulator.wait_for_callback_answer(query_id)
    if toast is not None:
        assert answer is not None and toast in answer
    if reply is None:
        assert outputs == []
    else:
        assert_polite(outputs, reply)
    assert stored_ratings(running_bot, ALICE) == {HEAT: 4.0, **added}
    assert state_rows(running_bot) == {**before, "ratings": before["ratings"] + len(added)}
    assert_no_errors(caplog)


_message_ids = itertools.count(100_000)
PRIVATE = {"id": ALICE.id, "type": "private", "first_name": ALICE.first_name}
GROUP = {"id": -100_600, "type": "group", "title": "Film club"}
CHANNEL = {"id": -100_700, "type": "channel", "title": "Film news"}


def message(chat: dict[str, Any], user: TgUser | None = ALICE, **content: Any) -> dict[str, Any]:
    built: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()), "chat": chat, **content}
    if user is not None:
        built["from"] = user.as_json()
    return built


STICKER = {"file_id": "st1", "file_unique_id": "stu1", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}
PHOTO = [{"file_id": "ph1", "file_unique_id": "phu1", "width": 90, "height": 90}]
ANSWERED = [  # (case, update, a phrase of the answer) — private chats: every update gets an answer
    ("sticker", {"message": message(PRIVATE, sticker=STICKER)}, "I can only read text"),
    ("photo with a rating caption", {"message": message(PRIVATE, photo=PHOTO, caption="Fargo 5")},
     "I can only read text"),
    ("location", {"message": message(PRIVATE, location={"latitude": 52.52, "longitude": 13.40})},
     "I can only read text"),
    ("contact", {"message": message(PRIVATE, contact={"phone_number": "+10000", "first_name": "Eve"})},
     "I can only read text"),
    ("dice", {"message": message(PRIVATE, dice={"emoji": "🎲", "value": 6})}, "I can only read text"),
    ("inline button without its message", {"callback_query": {
        "id": "cq-inline", "from": ALICE.as_json(), "chat_instance": "ci", "inline_message_id": "im1",
        "data": "1|r|100|8"}}, None),
]
SILENT = [  # (case, update, chat id that must stay quiet)
    ("group sticker", {"message": message(GROUP, sticker=STICKER)}, GROUP["id"]),
    ("group chatter", {"message": message(GROUP, text="Fargo 5")}, GROUP["id"]),
    ("edited group command", {"edited_message": {**message(GROUP, text="/recommend"), "edit_date": NOW}},
     GROUP["id"]),
    ("channel post", {"channel_post": message(CHANNEL, None, text="/recommend", sender_chat=CHANNEL)},
     CHANNEL["id"]),
    ("edited channel post", {"edited_channel_post": {**message(CHANNEL, None, text="Fargo 5", sender_chat=CHANNEL),
                                                     "edit_date": NOW}}, CHANNEL["id"]),
    ("bot blocked by the user", {"my_chat_member": {
        "chat": PRIVATE, "from": ALICE.as_json(), "date": NOW,
        "old_chat_member": {"status": "member", "user": {"id": 123456, "is_bot": True, "first_name": "MovieRec"}},
        "new_chat_member": {"status": "kicked", "until_date": 0,
                            "user": {"id": 123456, "is_bot": True, "first_name": "MovieRec"}}}}, ALICE.id),
    ("inline query", {"inline_query": {"id": "iq1", "from": ALICE.as_json(), "query": "Fargo", "offset": ""}},
     ALICE.id),
]


@pytest.mark.parametrize(("update", "expected"), [case[1:] for case in ANSWERED], ids=[case[0] for case in ANSWERED])
async def test_non_text_updates_in_a_private_chat_are_answered(running_bot: RunningBot,
                                                               caplog: pytest.LogCaptureFixture,
                                                               update: dict[str, Any], expected: str | None) -> None:
    before = state_rows(running_bot)
    await running_bot.emulator.send_update(update)
    outputs = await answered_before_help(running_bot, ALICE)
    if "callback_query" in update:
        assert "too old" in (await running_bot.emulator.wait_for_callback_answer(update["callback_query"]["id"]) or "")
    else:
        assert_polite(outputs, expected)
    assert stored_ratings(running_bot, ALICE) == {}
    assert state_rows(running_bot) == before
    assert_no_errors(caplog)


@pytest.mark.parametrize(("update", "chat_id"), [case[1:] for case in SILENT], ids=[case[0] for case in SILENT])
async def test_updates_not_addressed_to_the_bot_are_ignored(running_bot: RunningBot, caplog: pytest.LogCaptureFixture,
                                                            update: dict[str, Any], chat_id: int) -> None:
    before = state_rows(running_bot)
    await running_bot.emulator.send_update(update)
    assert await answered_before_help(running_bot, ALICE) == []  # handled (in order) before the /help
    assert running_bot.emulator.outputs(chat_id) == [] or chat_id == ALICE.id
    assert state_rows(running_bot) == before
    assert_no_errors(caplog)


async def test_an_edited_rating_corrects_the_stored_one(running_bot: RunningBot,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    sent = await running_bot.emulator.send_text(ALICE, "Fargo 4")
    await answered_before_help(running_bot, ALICE)
    edited = {**sent, "text": "Fargo 5", "edit_date": int(time.time())}
    await running_bot.emulator.send_update({"edited_message": edited})
    assert_polite(await answered_before_help(running_bot, ALICE), "(was ★★★★☆ 4)")
    assert stored_ratings(running_bot, ALICE) == {100: 5.0}
    assert_no_errors(caplog)


async def test_a_user_without_username_or_language_is_served(running_bot: RunningBot,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    bare = {"id": 300_001, "is_bot": False, "first_name": "Zed"}
    chat = {"id": bare["id"], "type": "private", "first_name": "Zed"}
    await running_bot.emulator.send_update({"message": {"message_id": next(_message_ids), "date": NOW,
                                                        "chat": chat, "from": bare, "text": "Fargo 5"}})
    (reply,) = await running_bot.emulator.wait_for_replies(bare["id"], 1)
    assert "Fargo (1996)" in reply.text
    with running_bot.sessions().begin() as session:
        user = access.get_user(session, bare["id"])
        assert user is not None and user.username is None and user.language_code is None
        assert access.get_ratings(session, bare["id"]) == {100: 5.0}
    assert_no_errors(caplog)


async def test_a_name_full_of_markup_is_greeted_literally(running_bot: RunningBot,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    mallory = TgUser(id=300_002, first_name="<b>{0}</b> %s & _*[", last_name="'; DROP TABLE users;--")
    assert_polite(await exchange(running_bot, mallory, "/start"), "Hi <b>{0}</b> %s & _*[!")
    assert_no_errors(caplog)

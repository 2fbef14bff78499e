"""/cancel end to end over the Bot API emulator: it ends a pending "which movie?" or /forget question
(checked in the database), says so when nothing is pending, and the buttons of a cancelled question
neither rate nor delete."""

from __future__ import annotations

import pytest

from tests.bot_support import (ALICE, RunningBot, database_url, emulator,  # noqa: F401
                               migrated_database, running_bot, served, services)
from tests.experience_support import pending, press, say, stored_ratings

pytestmark = pytest.mark.realdata


async def test_cancel_with_nothing_pending_says_so(running_bot: RunningBot) -> None:
    (reply,) = await say(running_bot, ALICE, "/cancel")
    assert "nothing to cancel" in reply.text


async def test_cancel_ends_a_which_movie_question(running_bot: RunningBot) -> None:
    (question,) = await say(running_bot, ALICE, "star trek 4")
    assert "which one did you mean" in question.text and pending(running_bot) == ["which_movie"]
    (reply,) = await say(running_bot, ALICE, "/cancel")
    assert "cancelled the question about which movie you meant" in reply.text and pending(running_bot) == []
    (reply,) = await say(running_bot, ALICE, "/cancel")
    assert "nothing to cancel" in reply.text
    (question,) = await say(running_bot, ALICE, "/similar star trek")
    await press(running_bot, ALICE, question, question.buttons[0][0]["callback_data"])  # answering ends it too
    assert pending(running_bot) == []


async def test_a_cancelled_forget_cannot_delete(running_bot: RunningBot) -> None:
    await say(running_bot, ALICE, "Fargo 5")
    (question,) = await say(running_bot, ALICE, "/forget")
    assert pending(running_bot) == ["forget"]
    (reply,) = await say(running_bot, ALICE, "/cancel")
    assert "deleting everything (nothing was deleted)" in reply.text
    (refused,) = await press(running_bot, ALICE, question, question.button("Yes, delete"))
    assert "cancelled, nothing was deleted" in refused.text
    assert stored_ratings(running_bot, ALICE) == {100: 5.0}


async def test_a_cancelled_which_movie_question_cannot_rate(running_bot: RunningBot) -> None:
    (which,) = await say(running_bot, ALICE, "star trek 4")
    (did_you_mean,) = await say(running_bot, ALICE, "toy story 2 5")
    await say(running_bot, ALICE, "/cancel")
    for question, label in ((which, "First Contact (1996) — 4★"), (did_you_mean, "Toy Story (1995) — 5★")):
        (refused,) = await press(running_bot, ALICE, question, question.button(label))
        assert refused.method == "editMessageText" and "That question was cancelled" in refused.text
    assert stored_ratings(running_bot, ALICE) == {}
    (question,) = await say(running_bot, ALICE, "star trek 4")  # a question asked after the /cancel works
    await press(running_bot, ALICE, question, question.button("First Contact (1996) — 4★"))
    assert stored_ratings(running_bot, ALICE) == {222: 4.0}


async def test_answering_one_question_leaves_the_others_open(running_bot: RunningBot) -> None:
    batman, toy_story = await say(running_bot, ALICE, "batman 3, toy story 2 5", replies=2)
    await press(running_bot, ALICE, toy_story, toy_story.button("Toy Story (1995) — 5★"))
    await press(running_bot, ALICE, batman, batman.button("Batman Returns (1992) — 3★"))
    assert stored_ratings(running_bot, ALICE) == {1: 5.0, 231: 3.0}


async def test_a_forgotten_users_which_movie_buttons_never_apply_to_the_new_account(running_bot: RunningBot) -> None:
    (which,) = await say(running_bot, ALICE, "batman 3")
    (question,) = await say(running_bot, ALICE, "/forget")
    (deleted,) = await press(running_bot, ALICE, question, question.button("Yes, delete"))
    assert "everything about you is deleted" in deleted.text
    (refused,) = await press(running_bot, ALICE, which, which.button("Batman Returns (1992) — 3★"))
    assert "nothing was changed" in refused.text
    assert stored_ratings(running_bot, ALICE) == {}
    (again,) = await say(running_bot, ALICE, "batman 3")  # the new account's own questions work
    await press(running_bot, ALICE, again, again.button("Batman Returns (1992) — 3★"))
    assert stored_ratings(running_bot, ALICE) == {231: 3.0}

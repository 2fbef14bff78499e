"""Helpers of the bot-experience tests (feedback, watchlist, details, onboarding groups, /cancel).

The message helpers are those of the main end-to-end tests; the rest read the database as the
assertions need it.
"""

from __future__ import annotations

from db import access
from tests.bot_support import ALICE, RunningBot
from tests.emulator import BotOutput, TgUser
from tests.test_bot_e2e import press, say, stored_ratings

__all__ = ["movie_of", "press", "press_for_toast", "rated_four", "say", "stored_ratings", "watchlist"]

SEEN_FOUR = "Star Wars 5, Empire Strikes Back 5, Return of the Jedi 4.5, Raiders of the Lost Ark 4"
"""Enough ratings for personal picks."""


async def rated_four(bot: RunningBot, user: TgUser) -> None:
    await say(bot, user, SEEN_FOUR)


async def press_for_toast(bot: RunningBot, user: TgUser, message: BotOutput, data: str) -> str | None:
    """Press a button that answers with a toast only (no message sent or edited)."""
    query_id = await bot.emulator.press_button(user, message, data)
    return await bot.emulator.wait_for_callback_answer(query_id)


def movie_of(output: BotOutput, label: str = "Seen it") -> int:
    """The movie id carried by the button labelled ``label`` (all feedback buttons carry it last)."""
    return int(output.button(label).rsplit("|", 1)[1])


def watchlist(bot: RunningBot, user: TgUser) -> set[int]:
    with bot.sessions().begin() as session:
        return access.watchlist_movie_ids(session, user.id)


def pending(bot: RunningBot, user: TgUser = ALICE) -> list[str]:
    """The questions the bot is waiting on ``user`` to answer (what /cancel would end)."""
    with bot.sessions().begin() as session:
        return access.pending_questions(session, user.id)

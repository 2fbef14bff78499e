"""The one composition root: wires settings and services into a python-telegram-bot Application.

``main()`` and the end-to-end tests both build the bot here, so what is tested is what runs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

from sqlalchemy import Engine
from telegram import BotCommand
from telegram.error import TelegramError
from telegram.ext import (AIORateLimiter, Application, CallbackQueryHandler, ContextTypes, MessageHandler,
                          filters)

from bot.conversation import PUBLIC_COMMANDS, Conversation, RecommenderHolder
from bot.handlers import BotData, on_callback, on_error, on_message
from bot.matching import TitleMatcher
from bot.settings import Settings
from bot.understanding import MessageUnderstanding
from db.engine import make_engine, make_session_factory

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """What the handlers need, built once by ``main()`` (or a test fixture)."""

    engine: Engine
    holder: RecommenderHolder
    conversation: Conversation
    reload_on_sighup: bool = False
    """Install a SIGHUP handler that reloads the artifacts (the real process, not the tests)."""


def build_services(settings: Settings, holder: RecommenderHolder, *, reload_on_sighup: bool = False,
                   matcher: TitleMatcher | None = None) -> Services:
    """Open the database and wire the conversation; ``matcher`` may be shared (tests build it once)."""
    engine = make_engine(settings.database_url)
    matcher = matcher or TitleMatcher(holder.current.catalog)
    conversation = Conversation(make_session_factory(engine), holder, MessageUnderstanding(matcher),
                                settings.admin_ids, matcher=matcher)
    return Services(engine, holder, conversation, reload_on_sighup)


def build_application(settings: Settings, services: Services) -> Application:
    """The bot, ready for ``run_polling``/``run_webhook`` or ``initialize``/``start`` in a test."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the Telegram application")
    # httpx logs every request URL at INFO, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def post_init(application: Application) -> None:
        try:
            await application.bot.set_my_commands([BotCommand(name, text) for name, text in PUBLIC_COMMANDS.items()])
        except TelegramError as error:  # a self-hosted server or an emulator may not support it
            logger.warning("could not register the command list: %s", error)
        if services.reload_on_sighup:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, services.holder.reload_in_background)

    async def post_shutdown(application: Application) -> None:
        if services.reload_on_sighup:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        services.engine.dispose()

    application = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_rate_limit))
        .concurrent_updates(True)
        .context_types(ContextTypes(bot_data=BotData))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data.conversation = services.conversation
    # Text anywhere; stickers, photos… only in private chats, where they get a "text please" answer.
    # An edited private message is read again (ratings are upserts, so "Fargo 4" edited to "Fargo 5"
    # corrects the rating); edits in groups are ignored so a command is not answered twice.
    application.add_handler(MessageHandler(
        (filters.TEXT | filters.ChatType.PRIVATE)
        & (filters.UpdateType.MESSAGE | (filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE)),
        on_message))
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_error_handler(on_error)
    return application


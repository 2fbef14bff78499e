"""``python -m bot``: the movie recommender bot (long polling, ``--webhook``, or a console chat).

Start-up order: settings (once, from the environment and ``.env``), logging, the database schema,
the recommender (the newest trained artifacts, or the non-personal fallback with a warning), then the
transport. Without ``TELEGRAM_BOT_TOKEN`` the same conversation runs as a console chat.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dotenv import find_dotenv
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.app import Services, build_application, build_services
from bot.console import run_console
from bot.conversation import RecommenderHolder
from bot.polling import run_polling
from bot.redaction import configure_logging, redact
from bot.settings import Settings, SettingsError
from bot.webhook import run_webhook
from db.engine import DatabaseUnavailableError, make_session_factory
from db.migrate import upgrade_database
from movierec.data.download import DataDownloadError

logger = logging.getLogger(__name__)


class MoviesUnavailableError(RuntimeError):
    """Neither trained artifacts nor the MovieLens files to build the fallback from: nothing to serve."""


def main(argv: list[str] | None = None) -> int:
    """Run the bot; returns the process exit status (2: bad settings; 1: database, movies or
    Telegram unavailable, or the token rejected)."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__.splitlines()[0])
    parser.add_argument("--webhook", action="store_true",
                        help="receive updates on WEBHOOK_URL (https) instead of long polling")
    args = parser.parse_args(argv)
    try:
        dotenv = find_dotenv(usecwd=True)
        settings = Settings.from_environment(env_file=Path(dotenv) if dotenv else None)
        if args.webhook:
            settings.check_webhook()
    except SettingsError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=[settings.telegram_bot_token, settings.webhook_secret])
    try:
        upgrade_database(settings.database_url)
        services = build_services(settings, _load_holder(settings), reload_on_sighup=True)
    except DatabaseUnavailableError as error:
        print(f"Database unavailable: {error}", file=sys.stderr)
        return 1
    except MoviesUnavailableError as error:
        print(f"No movies to serve: {error}", file=sys.stderr)
        return 1
    if not settings.telegram_bot_token:
        return _console(services)
    application = build_application(settings, services)
    try:
        _run(application, settings, services, webhook=args.webhook)
    except InvalidToken:
        print("Telegram rejected TELEGRAM_BOT_TOKEN: check the token @BotFather gave you.", file=sys.stderr)
        return 1
    except NetworkError as error:
        print(f"Cannot reach the Telegram Bot API at {settings.telegram_api_url}: "
              f"{redact(str(error), [settings.telegram_bot_token])}", file=sys.stderr)
        return 1
    return 0


def _run(application: Application, settings: Settings, services: Services, *, webhook: bool) -> None:
    """Serve until SIGINT/SIGTERM; the updates in flight are finished before it returns.

    Both transports keep each update in the database's inbox from before Telegram is told it arrived
    until it is handled (``bot/polling.py``, ``bot/webhook.py``).
    """
    sessions = make_session_factory(services.engine)
    if webhook:
        assert settings.webhook_url is not None and settings.webhook_secret is not None  # checked by check_webhook
        logger.info("receiving updates by webhook on port %d", settings.webhook_port)
        run_webhook(application, sessions, url=settings.webhook_url, secret=settings.webhook_secret,
                    listen=settings.webhook_listen, port=settings.webhook_port)
    else:
        logger.info("receiving updates by long polling from %s", settings.telegram_api_url)
        run_polling(application, sessions)


def _load_holder(settings: Settings) -> RecommenderHolder:
    from movierec.serving import load_recommender  # imports TensorFlow: only once settings are valid

    def load():  # noqa: ANN202 - returns movierec.serving.Recommender
        return load_recommender(settings.artifacts_dir, settings.data_dir)

    try:
        return RecommenderHolder(load(), loader=load)
    except (DataDownloadError, OSError, ValueError) as error:  # what loading MovieLens raises
        raise MoviesUnavailableError(f"no trained models, and MovieLens could not be loaded: {error}") from error


def _console(services: Services) -> int:
    print("No TELEGRAM_BOT_TOKEN set, so this is a local console chat. "
          "To connect Telegram, put TELEGRAM_BOT_TOKEN=<token from @BotFather> in .env.", file=sys.stderr)
    try:
        run_console(services.conversation, sys.stdin, sys.stdout, holder=services.holder)
    finally:
        services.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

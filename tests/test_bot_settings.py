"""Settings from the environment and .env: defaults, precedence, and clear errors."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from bot.app import Services, build_application
from bot.settings import Settings, SettingsError, parse_admin_ids
from db.engine import DEFAULT_DATABASE_URL
from movierec.settings import DataSettings, add_data_arguments, settings_from_arguments


def test_defaults() -> None:
    settings = Settings.from_environment({}, env_file=None)
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.artifacts_dir == Path("artifacts") and settings.admin_ids == frozenset()
    assert settings.log_level == "INFO"
    assert settings.telegram_rate_limit == 30  # Telegram's overall limit for one bot


def test_environment_wins_over_the_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=from-file\nBOT_ADMIN_IDS=1, 2\nTELEGRAM_API_URL=http://localhost:8081/\n")
    settings = Settings.from_environment({"TELEGRAM_BOT_TOKEN": "from-env"}, env_file=env_file)
    assert settings.telegram_bot_token == "from-env"
    assert settings.admin_ids == {1, 2}
    assert settings.telegram_api_url == "http://localhost:8081"


def test_the_token_never_appears_in_the_repr() -> None:
    settings = Settings.from_environment({"TELEGRAM_BOT_TOKEN": "123:SECRET"}, env_file=None)
    assert "SECRET" not in repr(settings)


@pytest.mark.parametrize(("name", "value"), [
    ("BOT_ADMIN_IDS", "12,alice"), ("BOT_ADMIN_IDS", "1.5"), ("LOG_LEVEL", "loud"),
    ("WEBHOOK_PORT", "70000"), ("WEBHOOK_PORT", "http"), ("TELEGRAM_API_URL", "api.telegram.org"),
    ("TELEGRAM_RATE_LIMIT", "0"), ("TELEGRAM_RATE_LIMIT", "-1"), ("TELEGRAM_RATE_LIMIT", "abc"),
    ("TELEGRAM_RATE_LIMIT", "0.5"), ("TELEGRAM_RATE_LIMIT", "nan"), ("TELEGRAM_RATE_LIMIT", "inf"),
])
def test_garbage_is_a_clear_error(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_environment({name: value}, env_file=None)


@pytest.mark.parametrize(("value", "rate"), [("15", 15.0), (" 7.5 ", 7.5), ("1", 1.0), ("", 30.0)])
def test_the_rate_limit_is_messages_per_second(value: str, rate: float) -> None:
    assert Settings.from_environment({"TELEGRAM_RATE_LIMIT": value}, env_file=None).telegram_rate_limit == rate


def test_the_application_sends_at_most_the_configured_rate() -> None:
    settings = Settings.from_environment({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_RATE_LIMIT": "15"}, env_file=None)
    unused = Services(engine=None, holder=None, conversation=None)  # type: ignore[arg-type]  # only read by handlers
    limiter = build_application(settings, unused).bot.rate_limiter
    assert limiter is not None and limiter._base_limiter.max_rate == 15  # type: ignore[attr-defined]


def test_admin_ids_tolerate_spaces_and_empty_parts() -> None:
    assert parse_admin_ids(" 5, ,6 ,") == {5, 6}


def test_webhook_needs_https_and_a_valid_secret() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        Settings.from_environment({"WEBHOOK_URL": "http://example.org/hook"}, env_file=None).check_webhook()
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        Settings.from_environment({"WEBHOOK_URL": "https://example.org/hook", "WEBHOOK_SECRET": "no spaces"},
                                  env_file=None).check_webhook()
    Settings.from_environment({"WEBHOOK_URL": "https://example.org/hook", "WEBHOOK_SECRET": "s3cr3t_-x"},
                              env_file=None).check_webhook()


ROOT = Path(__file__).resolve().parent.parent


def test_env_example_documents_every_setting_and_is_valid() -> None:
    source = (ROOT / "bot" / "settings.py").read_text() + (ROOT / "movierec" / "settings.py").read_text()
    read = set(re.findall(r'values\.get\("([A-Z_]+)"', source))
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert {"TELEGRAM_BOT_TOKEN", "MOVIEREC_METADATA_DIR", "WEBHOOK_SECRET"} <= read
    assert read == documented
    example = Settings.from_environment({}, env_file=ROOT / ".env.example")
    assert example.telegram_bot_token is None and example.artifacts_dir == Path("artifacts")


def test_scripts_read_the_env_file_and_the_command_line_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MOVIEREC_DATA_DIR=~/ml-1m\nMOVIEREC_METADATA_DIR=/kaggle\nLOG_LEVEL=debug\n")
    parser = argparse.ArgumentParser()
    add_data_arguments(parser, artifacts=True)
    from_file = settings_from_arguments(parser.parse_args([]), {}, env_file)
    assert from_file == DataSettings(data_dir=Path("~/ml-1m").expanduser(), metadata_dir=Path("/kaggle"),
                                     log_level="DEBUG")
    given = settings_from_arguments(parser.parse_args(["--data-dir", "x", "--artifacts-dir", "a", "--log-level",
                                                       "warning"]), {}, env_file)
    assert (given.data_dir, given.artifacts_dir, given.log_level) == (Path("x"), Path("a"), "WARNING")
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        settings_from_arguments(parser.parse_args(["--log-level", "chatty"]), {}, env_file)

"""Formatting helpers: stars, escaping, and splitting to Telegram's 4096 characters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.conversation.replies import esc, split_message, stars, toast


def test_stars_show_the_picture_and_the_number() -> None:
    assert stars(5) == "★★★★★ 5"
    assert stars(3.5) == "★★★½☆ 3.5"
    assert stars(0.5) == "½☆☆☆☆ 0.5"
    assert stars(1) == "★☆☆☆☆ 1"


def test_titles_are_escaped_for_html() -> None:
    assert esc("Tom & Jerry <3") == "Tom &amp; Jerry &lt;3"


def test_split_keeps_short_text_whole_and_cuts_long_text_at_lines() -> None:
    assert split_message("a\nb") == ["a\nb"]
    lines = [f"line {i:04d}" for i in range(1000)]  # 9 characters + newline each
    pieces = split_message("\n".join(lines), limit=100)
    assert all(len(p) <= 100 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines
    assert split_message("x" * 250, limit=100) == ["x" * 100, "x" * 100, "x" * 50]


@given(st.text(max_size=3000), st.integers(1, 500))
def test_split_never_exceeds_the_limit_or_loses_text(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(len(p) <= limit for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_toast_fits_a_callback_answer() -> None:
    assert len(toast("x" * 500)) == 200

"""Hypothesis properties of what reads hostile input and what carries state through Telegram.

Complements the never-raises properties already in ``test_parsing.py``, ``test_understanding.py``,
``test_bot_callbacks.py`` and ``test_bot_conversation.py``: here the parser must read back exactly the
rating that was written (never a clamped or rounded one), the callback codec must refuse every
corrupted button, and long replies must split into pieces Telegram accepts.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation import callbacks as cb
from bot.conversation.replies import esc, split_message
from bot.parsing import MAX_PIECES, parse_message, parse_piece
from tests.emulator import check_html
from tests.test_bot_callbacks import actions

NO_DEADLINE = settings(deadline=None)  # a loaded 2-core CI machine must not fail a property on timing

# Titles as people type them: words with apostrophes — no digits or separators, which would make a
# different (and separately tested) message.
_WORD = st.from_regex(r"[A-Za-z][a-z']{0,9}", fullmatch=True)
TITLES = st.lists(_WORD, min_size=1, max_size=5).map(" ".join).filter(
    lambda t: t.split()[0].lower() not in {"rate", "rated", "rating", "i"} and t.lower() not in {"a", "an", "the"})
HALF_STEPS = st.integers(1, 10).map(lambda n: n / 2)
BAD_VALUES = st.one_of(st.integers(-1000, 0), st.integers(6, 10**6),
                       st.integers(1, 19).map(lambda n: n / 4).filter(lambda v: v * 2 != int(v * 2)),
                       st.sampled_from(["nan", "inf", "-inf", "1e309", "NaN", "Infinity"]))


def _written(value: float) -> str:
    return f"{value:g}"


@NO_DEADLINE
@given(TITLES, HALF_STEPS, st.sampled_from([": {}", " - {}", " = {}", " {}/5", " {} stars"]))
def test_an_explicit_rating_reads_back_exactly(title: str, value: float, form: str) -> None:
    piece = parse_piece(title + form.format(_written(value)))
    assert (piece.title, piece.stars, piece.error) == (title, value, None)


@NO_DEADLINE
@given(TITLES, HALF_STEPS)
def test_a_rating_out_of_ten_is_halved(title: str, value: float) -> None:
    assert parse_piece(f"{title} {_written(value * 2)}/10").stars == value


@NO_DEADLINE
@given(TITLES, BAD_VALUES)
def test_an_unusable_value_is_explained_never_clamped_or_rounded(title: str, value: float | int | str) -> None:
    piece = parse_piece(f"{title}: {value if isinstance(value, str) else _written(value)}")
    assert piece.stars is None and piece.error and piece.title == title


@NO_DEADLINE
@given(TITLES, st.integers(0, 20), st.booleans())
def test_star_glyphs_count_and_more_than_five_are_refused(title: str, full: int, half: bool) -> None:
    piece = parse_piece(f"{title} {'★' * full}{'½' if half else ''}")
    value = full + 0.5 * half
    if 0.5 <= value <= 5:
        assert (piece.title, piece.stars) == (title, value)
    elif value:
        assert piece.stars is None and piece.error


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(TITLES, HALF_STEPS), min_size=1, max_size=2 * MAX_PIECES), st.sampled_from(["\n", "; "]))
def test_a_list_of_ratings_is_read_in_order_and_capped(ratings: list[tuple[str, float]], separator: str) -> None:
    pieces = parse_message(separator.join(f"{title}: {_written(value)}" for title, value in ratings))
    read = [(p.title, p.stars) for p in pieces if not p.dropped]
    assert read == ratings[:MAX_PIECES]
    dropped = [p.dropped for p in pieces if p.dropped]
    assert dropped == ([len(ratings) - MAX_PIECES] if len(ratings) > MAX_PIECES else [])


@NO_DEADLINE
@given(actions, st.data())
def test_a_corrupted_button_is_refused_or_is_exactly_another_valid_button(action: cb.Action,
                                                                          data: st.DataObject) -> None:
    encoded = cb.encode(action)
    position = data.draw(st.integers(0, len(encoded) - 1))
    replacement = data.draw(st.characters())
    corrupted = encoded[:position] + replacement + encoded[position + 1:]
    decoded = cb.decode(corrupted)
    assert decoded is None or cb.encode(decoded) == corrupted


@NO_DEADLINE
@given(st.text(max_size=40).map(lambda text: cb.VERSION + "|" + text))
def test_decoding_any_versioned_text_gives_none_or_an_in_range_action(data: str) -> None:
    decoded = cb.decode(data)
    assert decoded is None or cb.decode(cb.encode(decoded)) == decoded


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=8), st.integers(12, 80))
def test_long_replies_split_into_pieces_telegram_accepts(lines: list[str], limit: int) -> None:
    text = "\n".join(f"<b>{i}</b> “{esc(line)}”" if len(line) % 2 else esc(line) for i, line in enumerate(lines))
    pieces = split_message(text, limit)
    assert all(len(piece) <= limit for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")  # nothing lost or reordered
    for piece in pieces:  # tags open and close near a line's start, so only an entity could be cut
        if piece.strip():
            check_html(piece)

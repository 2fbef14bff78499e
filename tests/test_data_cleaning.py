"""Pure clean-up rules: titles, release dates, placeholders, duplicate ids, repeated ratings."""

from __future__ import annotations

import pandas as pd
import pytest

from movierec.data import schema
from movierec.data.cleaning import (add_title_columns, clean_release, find_duplicate_movies, keep_latest_rating,
                                    move_article_to_front, parse_release_dates, parse_title, placeholder_movie_ids)


@pytest.mark.parametrize(("raw", "display", "name", "year"), [
    ("Usual Suspects, The (1995)", "The Usual Suspects (1995)", "The Usual Suspects", 1995),
    ("Seven (Se7en) (1995)", "Seven (Se7en) (1995)", "Seven (Se7en)", 1995),
    ("Postino, Il (1994)", "Il Postino (1994)", "Il Postino", 1994),
    ("Horseman on the Roof, The (Hussard sur le toit, Le) (1995)",
     "The Horseman on the Roof (Le Hussard sur le toit) (1995)", "The Horseman on the Roof (Le Hussard sur le toit)",
     1995),
    ("Star Maker, The (Uomo delle stelle, L') (1995)", "The Star Maker (L'Uomo delle stelle) (1995)",
     "The Star Maker (L'Uomo delle stelle)", 1995),
    ("Land Before Time III: The Time of the Great Giving (1995) (V)",
     "Land Before Time III: The Time of the Great Giving (1995) (V)",
     "Land Before Time III: The Time of the Great Giving (V)", 1995),
    ("Maybe, Maybe Not (Bewegte Mann, Der) (1994)", "Maybe, Maybe Not (Der Bewegte Mann) (1994)",
     "Maybe, Maybe Not (Der Bewegte Mann)", 1994),
    ("Convent, The (Convento, O) (1995)", "The Convent (O Convento) (1995)", "The Convent (O Convento)", 1995),
    ("Babylon 5", "Babylon 5", "Babylon 5", None),
    ("Sherlock (2010–2017)", "Sherlock (2010–2017)", "Sherlock", 2010),
    ("(500) Days of Summer (2009)", "(500) Days of Summer (2009)", "(500) Days of Summer", 2009),
    ("  Toy Story (1995) ", "Toy Story (1995)", "Toy Story", 1995),
])
def test_parse_title(raw: str, display: str, name: str, year: int | None) -> None:
    parsed = parse_title(raw)
    assert (parsed.display_title, parsed.name, parsed.year) == (display, name, year)


def test_move_article_only_moves_a_trailing_article() -> None:
    assert move_article_to_front("Étudiante, L'") == "L'Étudiante"
    assert move_article_to_front("Man Who Knew Too Much, A") == "A Man Who Knew Too Much"
    assert move_article_to_front("I, Robot") == "I, Robot"
    assert move_article_to_front("Yo, la peor de todas") == "Yo, la peor de todas"  # lower-case: not an article


def test_release_dates() -> None:
    dates = parse_release_dates(pd.Series(["01-Jan-1995", "", None, "14-Aug-1995", "not a date"]))
    assert dates.iloc[0] == pd.Timestamp("1995-01-01") and dates.iloc[3] == pd.Timestamp("1995-08-14")
    assert dates.iloc[[1, 2, 4]].isna().all()


def _movies(rows: list[tuple[int, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=[schema.MOVIE_ID, schema.TITLE, "date"])
    frame[schema.RELEASE_DATE] = parse_release_dates(frame.pop("date"))
    return frame


def test_year_falls_back_to_release_date() -> None:
    movies = add_title_columns(_movies([(1, "Babylon 5", "01-Jan-1994"), (2, "Heat (1995)", "01-Jan-1996"),
                                        (3, "Nothing", None)]))
    assert movies[schema.YEAR].tolist()[:2] == [1994, 1995] and pd.isna(movies[schema.YEAR].iloc[2])


def test_duplicates_need_same_title_and_date() -> None:
    movies = _movies([(10, "Chasing Amy (1997)", "01-Jan-1997"), (4, "Chasing Amy (1997)", "01-Jan-1997"),
                      (7, "Chasing Amy (1997)", "01-Jan-1997"), (5, "Heat (1995)", "01-Jan-1995"),
                      (6, "Heat (1995)", "15-Dec-1995"), (8, "Emma (1996)", None), (9, "Emma (1996)", None)])
    assert find_duplicate_movies(movies) == {10: 4, 7: 4}


def test_placeholder_ids() -> None:
    assert placeholder_movie_ids(_movies([(1, "Heat (1995)", None), (267, "unknown", None),
                                          (3, " Unknown ", None)])) == [3, 267]


def test_keep_latest_rating_keeps_the_later_and_row_order() -> None:
    ratings = pd.DataFrame({schema.USER_ID: [1, 1, 2, 1, 2], schema.MOVIE_ID: [5, 6, 5, 5, 5],
                            schema.USER_RATING: [1.0, 2.0, 3.0, 4.0, 5.0], schema.TIMESTAMP: [300, 10, 50, 200, 50]})
    kept = keep_latest_rating(ratings)
    # user 1 / movie 5: t=300 beats t=200; user 2 / movie 5: a tie, the later line wins
    assert kept.index.tolist() == [0, 1, 4]
    assert len(keep_latest_rating(ratings.iloc[:3])) == 3  # nothing repeated, nothing dropped


def test_clean_release_does_not_change_its_inputs() -> None:
    movies = _movies([(1, "Chasing Amy (1997)", "01-Jan-1997"), (2, "Chasing Amy (1997)", "01-Jan-1997"),
                      (3, "unknown", None)])
    ratings = pd.DataFrame({schema.USER_ID: [1, 1, 2, 2], schema.MOVIE_ID: [1, 2, 2, 3],
                            schema.USER_RATING: [4.0, 2.0, 5.0, 1.0], schema.TIMESTAMP: [100, 200, 300, 400]})
    before_movies, before_ratings = movies.copy(), ratings.copy()
    cleaned = clean_release(movies, ratings)
    pd.testing.assert_frame_equal(movies, before_movies)
    pd.testing.assert_frame_equal(ratings, before_ratings)
    assert cleaned.merged_ids == {2: 1} and cleaned.dropped_movie_ids == [3]
    assert cleaned.dropped_duplicate_ratings == 1
    assert cleaned.ratings[[schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING]].values.tolist() == [[1, 1, 2.0],
                                                                                                      [2, 1, 5.0]]
    assert cleaned.movies[schema.MOVIE_ID].tolist() == [1]

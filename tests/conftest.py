"""Shared fixtures: the real MovieLens folder (or a clear skip) and tiny synthetic releases in every format.

The synthetic releases are written by the tests themselves: the MovieLens licence forbids copying
the real files into the repository. Each one plants the quirks the loader must handle (a duplicate
movie id rated twice by one user, the "unknown" placeholder, a user without ratings, non-ASCII titles).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

DATA_DIR_ENV = "MOVIEREC_DATA_DIR"

# --- ml-100k layout ----------------------------------------------------------------------------
# u.genre order: unknown, Action, Adventure, Animation, Children's, Comedy, Crime, Documentary, Drama,
# Fantasy, Film-Noir, Horror, Musical, Mystery, Romance, Sci-Fi, Thriller, War, Western
GENRE_NAMES_100K = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary",
                    "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
                    "War", "Western"]


def genre_flags(*genres: str) -> str:
    return "|".join("1" if name in genres else "0" for name in GENRE_NAMES_100K)


ITEMS_100K = [
    f"1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|"
    f"{genre_flags('Animation', 'Children' + chr(39) + 's', 'Comedy')}",
    f"2|Usual Suspects, The (1995)|14-Aug-1995||http://imdb/2|{genre_flags('Crime', 'Thriller')}",
    f"3|Chasing Amy (1997)|01-Jan-1997||http://imdb/3|{genre_flags('Drama', 'Romance')}",
    f"4|unknown||||{genre_flags('unknown')}",
    f"5|Chasing Amy (1997)|01-Jan-1997||http://imdb/3|{genre_flags('Drama', 'Romance')}",
    f"6|Seven (Se7en) (1995)|22-Sep-1995||http://imdb/6|{genre_flags('Crime', 'Thriller')}",
    f"7|Métisse (Café au Lait) (1993)|01-Jan-1993||http://imdb/7|{genre_flags('Comedy')}",
    f"8|Horseman on the Roof, The (Hussard sur le toit, Le) (1995)||||{genre_flags('Drama')}",
]
USERS_100K = ["0|0|D|default_user|0000", "1|24|M|technician|85711", "2|53|F|other|94043",
              "3|17|M|student|55105", "4|45|F|healthcare|10003"]
# user, movie, stars, timestamp. User 1 rates both Chasing Amy ids (3 at t=100, 5 at t=200): keep the t=200.
RATINGS_100K = [
    (1, 1, 5, 874724710), (1, 2, 4, 874724720), (1, 3, 4, 100), (1, 5, 2, 200), (1, 4, 3, 874724730),
    (2, 1, 3, 875000000), (2, 5, 5, 875000100), (2, 6, 4, 875000200), (2, 7, 1, 875000300),
    (3, 1, 4, 876000000), (3, 2, 5, 876000100), (3, 8, 3, 876000200),
    (4, 6, 2, 877000000), (4, 3, 3, 877000100), (4, 7, 5, 877000200),
]


def write_100k(folder: Path, *, items: list[str] | None = None, users: list[str] | None = None,
               ratings: list[str] | None = None, item_encoding: str = "ISO-8859-1") -> Path:
    """A synthetic ml-100k folder; pass lines to replace any file's content (for malformed-input tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    rating_lines = ratings if ratings is not None else ["\t".join(map(str, row)) for row in RATINGS_100K]
    (folder / "u.data").write_text("\n".join(rating_lines) + "\n", encoding="ascii")
    (folder / "u.item").write_bytes(("\n".join(items or ITEMS_100K) + "\n").encode(item_encoding))
    (folder / "u.user").write_text("\n".join(users or USERS_100K) + "\n", encoding="ascii")
    (folder / "u.genre").write_text("".join(f"{g}|{i}\n" for i, g in enumerate(GENRE_NAMES_100K)) + "\n",
                                    encoding="ascii")
    return folder


# --- ml-1m layout ------------------------------------------------------------------------------
MOVIES_1M = ["1::Toy Story (1995)::Animation|Children's|Comedy", "2::Jumanji (1995)::Adventure|Children's|Fantasy",
             "3::Cité des enfants perdus, La (1995)::Adventure|Sci-Fi", "4::Star Wars: Episode IV - A New Hope (1977)::"
             "Action|Adventure|Fantasy|Sci-Fi"]
USERS_1M = ["1::F::1::10::48067", "2::M::56::16::70072", "3::M::25::15::55117"]
RATINGS_1M = ["1::1::5::978300760", "1::3::3::978302109", "2::2::4::978298413", "2::4::5::978299000",
              "3::4::4::978297000", "3::1::2::978297100"]


def write_1m(folder: Path, *, ratings: list[str] | None = None, movies: list[str] | None = None) -> Path:
    """A synthetic ml-1m folder (``::`` separated, ISO-8859-1)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.dat").write_text("\n".join(ratings or RATINGS_1M) + "\n", encoding="ascii")
    (folder / "movies.dat").write_bytes(("\n".join(movies or MOVIES_1M) + "\n").encode("ISO-8859-1"))
    (folder / "users.dat").write_text("\n".join(USERS_1M) + "\n", encoding="ascii")
    return folder


# --- CSV layout (latest-small, 20m, 25m) -------------------------------------------------------
MOVIES_CSV = ['movieId,title,genres', '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
              '2,"American President, The (1995)",Comedy|Drama|Romance', '3,Babylon 5,(no genres listed)',
              '4,"Amélie (Fabuleux destin d\'Amélie Poulain, Le) (2001)",Comedy|Romance']
RATINGS_CSV = ["userId,movieId,rating,timestamp", "1,1,4.0,964982703", "1,2,3.5,964981247", "2,3,0.5,964982224",
               "2,4,5.0,964983815", "3,1,2.5,964982931"]


def write_csv_release(folder: Path, *, ratings: list[str] | None = None, movies: bytes | None = None) -> Path:
    """A synthetic CSV release (UTF-8, half stars, no demographics)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ratings.csv").write_text("\n".join(ratings or RATINGS_CSV) + "\n", encoding="utf-8")
    (folder / "movies.csv").write_bytes(movies if movies is not None else ("\n".join(MOVIES_CSV) + "\n").encode())
    return folder


@pytest.fixture
def movielens_dir() -> Path:
    """The real ML-100k folder from MOVIEREC_DATA_DIR; the test is skipped when it is not available."""
    value = os.environ.get(DATA_DIR_ENV)
    if not value:
        pytest.skip(f"{DATA_DIR_ENV} is not set: point it at the MovieLens 100k folder to run real-data tests")
    path = Path(value).expanduser()
    if not path.is_dir():
        pytest.skip(f"{DATA_DIR_ENV}={value} is not a folder; real-data tests need the MovieLens 100k files")
    return path


@pytest.fixture
def ml100k_dir(tmp_path: Path) -> Path:
    """A synthetic ml-100k folder with the planted quirks described above."""
    return write_100k(tmp_path / "ml-100k")


@pytest.fixture
def synthetic_release() -> Callable[..., Path]:
    """Writer functions by format name, for tests that need a variant: ``synthetic_release("1m", path)``."""
    writers = {"100k": write_100k, "1m": write_1m, "csv": write_csv_release}

    def write(kind: str, folder: Path, **overrides: object) -> Path:
        return writers[kind](folder, **overrides)

    return write

"""Exploratory data analysis of a MovieLens release: a Markdown report with plots.

    python -m scripts.eda                              # MOVIEREC_DATA_DIR (else the cached 100k download)
    python -m scripts.eda --data-dir ../shared/data/ml-100k --out reports/eda

Writes ``<out>/README.md`` and PNG plots. Every number in the report is computed from the data, so
the report can be regenerated for any release and stays true after the cleaning rules change.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: the script must run on servers without a display

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from movierec.data import schema  # noqa: E402
from movierec.data.download import DataDownloadError  # noqa: E402
from movierec.data.features import add_movie_features, add_user_features, user_activity  # noqa: E402
from movierec.data.loaders import MovieLens, load_configured  # noqa: E402
from movierec.data.files import DataFormatError  # noqa: E402
from movierec.settings import add_data_arguments, start_job  # noqa: E402

logger = logging.getLogger("movierec.eda")

_MIN_RATINGS_FOR_MEAN = 20
_AGE_BUCKET_NAMES = {1: "under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"}


def overview(data: MovieLens) -> dict[str, float | int | str]:
    """Headline numbers of the cleaned release."""
    ratings = data.ratings
    n_users, n_movies = ratings[schema.USER_ID].nunique(), len(data.movies)
    first, last = (pd.to_datetime(ratings[schema.TIMESTAMP].agg(f), unit="s").date() for f in ("min", "max"))
    return {"release": data.release, "ratings": len(ratings), "users": n_users, "movies": n_movies,
            "merged duplicate ids": len(data.merged_ids),
            "density": len(ratings) / (n_users * n_movies), "mean rating": float(ratings[schema.USER_RATING].mean()),
            "median rating": float(ratings[schema.USER_RATING].median()), "first rating": str(first),
            "last rating": str(last)}


def rating_distribution(ratings: pd.DataFrame) -> pd.DataFrame:
    """Count and share of each star value."""
    counts = ratings[schema.USER_RATING].value_counts().sort_index()
    table = pd.DataFrame({"ratings": counts.astype("int64"), "share": counts / counts.sum()})
    table.index = [f"{stars:g}" for stars in table.index]
    return table.rename_axis("stars")


def long_tail(counts: pd.Series) -> dict[str, float]:
    """How concentrated ratings are over items (or users): median, Gini, share held by the top 10 %."""
    ordered = np.sort(counts.to_numpy(dtype="float64"))
    n = len(ordered)
    top = ordered[::-1][:max(1, round(n * 0.1))]
    gini = float((2 * np.arange(1, n + 1) - n - 1) @ ordered / (n * ordered.sum()))
    return {"min": float(ordered[0]), "median": float(np.median(ordered)), "max": float(ordered[-1]),
            "top 10% share": float(top.sum() / ordered.sum()), "gini": gini,
            "with fewer than 5 ratings": int((ordered < 5).sum())}


def genre_table(data: MovieLens) -> pd.DataFrame:
    """Per genre: movies, ratings and mean rating (a movie with several genres counts in each)."""
    movies = data.movies[[schema.MOVIE_ID, schema.GENRE_NAMES]].explode(schema.GENRE_NAMES).dropna()
    per_genre_movies = movies.groupby(schema.GENRE_NAMES).size()
    rated = data.ratings[[schema.MOVIE_ID, schema.USER_RATING]].merge(movies, on=schema.MOVIE_ID)
    grouped = rated.groupby(schema.GENRE_NAMES)[schema.USER_RATING]
    table = pd.DataFrame({"movies": per_genre_movies, "ratings": grouped.size(), "mean rating": grouped.mean()})
    return table.fillna({"ratings": 0}).astype({"ratings": "int64"}).sort_values("ratings", ascending=False)


def demographic_table(data: MovieLens, column: str, names: dict | None = None) -> pd.DataFrame:
    """Users, ratings and mean rating per value of one demographic rating column."""
    grouped = data.ratings.groupby(column, observed=True)
    table = pd.DataFrame({"users": grouped[schema.USER_ID].nunique(), "ratings": grouped.size(),
                          "mean rating": grouped[schema.USER_RATING].mean()})
    if names:
        table.index = [names.get(int(value), str(value)) for value in table.index]
    return table


def ratings_per_month(ratings: pd.DataFrame) -> pd.Series:
    """Number of ratings given in each calendar month."""
    months = pd.to_datetime(ratings[schema.TIMESTAMP], unit="s").dt.to_period("M")
    return months.value_counts().sort_index()


# Bucket edges (lower bound inclusive) for the engineered features' table.
_FEATURE_BUCKETS = {
    schema.MOVIE_AGE_AT_RATING: ("movie age at rating (years)", [0, 1, 3, 10, 25, np.inf]),
    schema.MOVIE_RATING_COUNT: ("ratings of the movie", [1, 10, 50, 200, np.inf]),
    schema.USER_RATING_COUNT: ("ratings by the user", [1, 50, 100, 250, np.inf]),
}


def _bucket_labels(edges: list[float]) -> list[str]:
    return [f"{low:g}+" if high == np.inf else f"{low:g}-{high:g}" for low, high in zip(edges, edges[1:])]


def feature_table(data: MovieLens) -> pd.DataFrame:
    """Ratings and mean stars per bucket of each engineered feature (movie age, popularity, user activity)."""
    rows = add_user_features(add_movie_features(data.ratings, data.movies))
    parts = []
    for column, (label, edges) in _FEATURE_BUCKETS.items():
        buckets = pd.cut(rows[column], edges, labels=_bucket_labels(edges), right=False)
        grouped = rows[schema.USER_RATING].astype("float64").groupby(buckets, observed=True)
        part = pd.DataFrame({"ratings": grouped.size().astype("int64"), "share": grouped.size() / len(rows),
                             "mean rating": grouped.mean()})
        part.index = [f"{label}: {bucket}" for bucket in part.index]
        parts.append(part)
    return pd.concat(parts).rename_axis("feature bucket")


def enrichment_table(data: MovieLens, top: int = 10) -> pd.DataFrame | None:
    """The most rated directors when the catalog was enriched from the Kaggle files (else None)."""
    if schema.DIRECTOR not in data.movies.columns or data.movies[schema.DIRECTOR].isna().all():
        return None
    directed = data.movies.dropna(subset=[schema.DIRECTOR])
    grouped = directed.groupby(schema.DIRECTOR)
    table = pd.DataFrame({"movies": grouped.size().astype("int64"),
                          "ratings": grouped[schema.RATING_COUNT].sum().astype("int64")})
    return table.sort_values("ratings", ascending=False).head(top)


def _markdown_table(frame: pd.DataFrame, float_format: str = "{:.3f}") -> str:
    """A GitHub Markdown table; whole-number columns with thousands separators, floats rounded."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_integer_dtype(values):
            columns.append([f"{int(v):,}" for v in values])
        elif pd.api.types.is_float_dtype(values):
            columns.append([float_format.format(v) for v in values])
        else:
            columns.append([str(v) for v in values])
    header = "| " + " | ".join([str(frame.index.name or "")] + [str(c) for c in frame.columns]) + " |"
    lines = [header, "|" + "---|" * (len(frame.columns) + 1)]
    for index, cells in zip(frame.index, zip(*columns)):
        lines.append("| " + " | ".join([str(index), *cells]) + " |")
    return "\n".join(lines)


def _save(figure: plt.Figure, out: Path, name: str) -> str:
    figure.tight_layout()
    figure.savefig(out / name, dpi=110)
    plt.close(figure)
    return name


def _plots(data: MovieLens, tables: dict[str, pd.DataFrame | pd.Series], out: Path) -> dict[str, str]:
    """One PNG per topic; returns topic -> file name."""
    files = {}
    figure, axis = plt.subplots(figsize=(6, 3.5))
    distribution = tables["ratings"]
    axis.bar(distribution.index.astype(str), distribution["ratings"], color="#4C72B0")
    axis.set(xlabel="stars", ylabel="ratings", title="Rating distribution")
    files["ratings"] = _save(figure, out, "rating_distribution.png")

    figure, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for axis, (what, counts) in zip(axes, [("movie", data.movies[schema.RATING_COUNT]),
                                           ("user", user_activity(data.ratings)[schema.USER_RATING_COUNT])]):
        axis.plot(np.arange(1, len(counts) + 1), np.sort(counts.to_numpy())[::-1])
        axis.set(xscale="log", yscale="log", xlabel=f"{what} rank", ylabel="ratings",
                 title=f"Ratings per {what} (long tail)")
    files["long_tail"] = _save(figure, out, "long_tail.png")

    genres = tables["genres"]
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].barh(genres.index, genres["ratings"], color="#55A868")
    axes[0].set(xlabel="ratings", title="Ratings by genre")
    # A mean over a handful of ratings is noise; the table still lists every genre.
    rated = genres[genres["ratings"] >= _MIN_RATINGS_FOR_MEAN]
    axes[1].barh(rated.index, rated["mean rating"], color="#C44E52")
    axes[1].set(xlabel="mean stars", title=f"Mean rating by genre (≥ {_MIN_RATINGS_FOR_MEAN} ratings)", xlim=(1, 5))
    for axis in axes:
        axis.invert_yaxis()
    files["genres"] = _save(figure, out, "genres.png")

    if "age" in tables:
        figure, axes = plt.subplots(1, 3, figsize=(14, 4))
        for axis, key in zip(axes, ["age", "gender", "occupation"]):
            table = tables[key]
            axis.barh([str(i) for i in table.index], table["ratings"], color="#8172B2")
            axis.set(xlabel="ratings", title=f"Ratings by {key}")
            axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
            axis.invert_yaxis()
        files["demographics"] = _save(figure, out, "demographics.png")

    monthly = tables["months"]
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.bar(monthly.index.to_timestamp(), monthly.to_numpy(), width=25, align="edge", color="#4C72B0")
    axis.set(xlabel="month", ylabel="ratings", title="Ratings per month")
    axis.tick_params(axis="x", labelrotation=45)
    files["months"] = _save(figure, out, "ratings_over_time.png")
    return files


def build_report(data: MovieLens, out: Path) -> Path:
    """Compute every table, draw the plots and write ``out/README.md``; returns the Markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame | pd.Series] = {"ratings": rating_distribution(data.ratings),
                                                   "genres": genre_table(data), "months": ratings_per_month(data.ratings)}
    has_demographics = data.ratings[schema.USER_GENDER].notna().any()
    if has_demographics:
        tables["age"] = demographic_table(data, schema.BUCKETIZED_USER_AGE, _AGE_BUCKET_NAMES)
        tables["gender"] = demographic_table(data, schema.USER_GENDER, {1: "male", 0: "female"})
        tables["occupation"] = demographic_table(data, schema.USER_OCCUPATION_TEXT).sort_values("ratings",
                                                                                                 ascending=False)
    files = _plots(data, tables, out)
    facts = overview(data)
    movie_tail = long_tail(data.movies[schema.RATING_COUNT])
    user_tail = long_tail(user_activity(data.ratings)[schema.USER_RATING_COUNT])
    tail = pd.DataFrame({"per movie": movie_tail, "per user": user_tail}).rename_axis("ratings").map(
        lambda v: f"{v:,.0f}" if float(v).is_integer() else f"{v:.3f}")
    fact_table = pd.DataFrame({"value": [f"{v:.4f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int)
                                         else v for v in facts.values()]}, index=pd.Index(facts, name="fact"))
    sections = [
        f"# MovieLens {data.release}: exploratory data analysis",
        "Generated by `python -m scripts.eda`; every number below is computed from the cleaned data "
        "(placeholder movies dropped, duplicate movie ids merged, one rating per user and movie).",
        "## Overview", _markdown_table(fact_table),
        "## Rating distribution", f"![rating distribution]({files['ratings']})",
        _markdown_table(tables["ratings"]),
        "## Long tail", f"![long tail]({files['long_tail']})",
        "Ratings per movie and per user; `gini` is 0 for a perfectly even spread and near 1 when a few "
        "items hold almost all ratings.", _markdown_table(tail),
        "## Genres", f"![genres]({files['genres']})", _markdown_table(tables["genres"]),
    ]
    sections += ["## Engineered features",
                 "The features the data pipeline derives for models (`movierec.data.features`): how old a movie "
                 "was when it was rated, how many ratings the movie has, and how many ratings its user gave. "
                 "Each bucket's mean rating shows whether the feature carries signal.",
                 _markdown_table(feature_table(data))]
    directors = enrichment_table(data)
    if directors is not None:
        matched = int(data.movies[schema.DIRECTOR].notna().sum())
        sections += ["## Cast and crew (Kaggle enrichment)",
                     f"{matched:,} of {len(data.movies):,} movies ({matched / len(data.movies):.1%}) matched "
                     "Kaggle's *The Movies Dataset* by title and year. The most rated directors:",
                     _markdown_table(directors)]
    if has_demographics:
        sections += ["## Who rates", f"![demographics]({files['demographics']})"]
        for key in ("age", "gender", "occupation"):
            sections += [f"### By {key}", _markdown_table(tables[key].rename_axis(key))]
    monthly = tables["months"]
    sections += ["## Ratings over time", f"![ratings over time]({files['months']})",
                 f"{len(monthly)} months with ratings; the busiest was {monthly.idxmax()} with "
                 f"{int(monthly.max()):,} ratings, the quietest {monthly.idxmin()} with {int(monthly.min()):,}."]
    report = out / "README.md"
    report.write_text("\n\n".join(sections) + "\n", encoding="utf-8")
    return report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("reports/eda"), help="output folder (default reports/eda)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = start_job(args)
    logging.getLogger("matplotlib").setLevel(logging.WARNING)  # its INFO notes about axis units are noise here
    started = time.perf_counter()
    try:
        _, data = load_configured(settings)
    except (DataDownloadError, DataFormatError, FileNotFoundError) as error:
        logger.error("%s", error)
        return 1
    report = build_report(data, args.out)
    logger.info("wrote %s in %.1f s", report, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())

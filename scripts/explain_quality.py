"""How true the served explanations are and how coherent the onboarding groups are, on a trained version.

    python -m scripts.explain_quality [--artifacts-dir artifacts] [--data-dir data/ml-100k]

Explanations: real users' histories (a random sample of their ratings) get picks; for each pick, every
history movie's leave-one-out contribution is measured independently of the explainer, through the
public ``score_items`` (the pick's score minus its score without that movie), and the movies the
reason names are compared with the largest contributors.

Groups: for each onboarding group, the mean pairwise cosine of its shown titles in the model's
embedding space, how much of the label the shown titles carry (the share of its genres each has,
averaged), and how many of the top 10 picks
for a newcomer who liked only that group carry one.
"""

from __future__ import annotations

import argparse

import numpy as np

from movierec.data import schema
from movierec.data.loaders import load_configured
from movierec.models.base import EmbeddingModel, UserQuery
from movierec.serving import Recommender
from movierec.serving.explain import NEUTRAL_STARS
from movierec.serving.groups import coherence, unit_rows
from movierec.settings import add_data_arguments, start_job


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser, artifacts=True)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--history", type=int, default=12, help="ratings per sampled history")
    parser.add_argument("--picks", type=int, default=5, help="picks explained per user")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def leave_one_out(recommender: Recommender, history: dict[int, float], movie_id: int) -> dict[int, float]:
    """Each history movie's contribution to ``movie_id``'s retrieval score: the score drop without it."""
    model = recommender.retrieval
    column = int(np.searchsorted(model.movie_ids, movie_id))
    queries = [UserQuery(history=history)] + [UserQuery(history={m: s for m, s in history.items() if m != left})
                                             for left in history]
    scores = model.score_items(queries)[:, column]
    return {left: float(scores[0] - scores[i + 1]) for i, left in enumerate(history)}


def named_movies(recommender: Recommender, reason: str, history: dict[int, float]) -> list[int]:
    """The history movies a reason names, in the order it names them."""
    found = [(reason.find(recommender.movie(m).display_title), m) for m in history]
    return [m for position, m in sorted(found) if position >= 0]


def explanation_report(recommender: Recommender, ratings, args: argparse.Namespace) -> list[str]:
    rng = np.random.default_rng(args.seed)
    counts = ratings[schema.USER_ID].value_counts()
    users = rng.choice(counts[counts >= args.history].index.to_numpy(), args.users, replace=False)
    picks = top1 = top3 = named_count = second_names = disliked_top = 0
    shares = []
    for user in users:
        rows = ratings[ratings[schema.USER_ID] == user].sample(args.history, random_state=int(rng.integers(2**31)))
        history = dict(zip(rows[schema.MOVIE_ID].astype(int), rows[schema.USER_RATING].astype(float), strict=True))
        for pick in recommender.recommend(history, k=args.picks):
            picks += 1
            named = named_movies(recommender, pick.reason, history)
            if not named:
                continue
            contributions = leave_one_out(recommender, history, pick.movie_id)
            ranked = sorted(contributions, key=contributions.get, reverse=True)
            named_count += 1
            second_names += len(named) > 1
            top1 += named[0] == ranked[0]
            disliked_top += named[0] != ranked[0] and history[ranked[0]] <= NEUTRAL_STARS
            top3 += named[0] in ranked[:3]
            positive = sum(max(c, 0.0) for c in contributions.values())
            shares.append(contributions[named[0]] / positive if positive > 0 else 0.0)
    return [f"## Explanations ({len(users)} users, {args.history}-rating histories, {picks} picks)", "",
            f"- picks whose reason names a movie: {named_count}/{picks} ({second_names} name two)",
            f"- first named movie is the top leave-one-out contributor: {top1}/{named_count}",
            f"  (of the others, {disliked_top} have a movie rated {NEUTRAL_STARS} or less on top: never named)",
            f"- first named movie is in the top 3 leave-one-out contributors: {top3}/{named_count}",
            f"- median share of the positive leave-one-out drops held by the first named movie: "
            f"{np.median(shares) if shares else float('nan'):.2f}", ""]


def group_report(recommender: Recommender) -> list[str]:
    """Cohesion is NaN for a model without movie embeddings (EASE): its groups come from genres."""
    model = recommender.retrieval
    unit = None
    if isinstance(model, EmbeddingModel):
        unit = unit_rows(model.movie_embeddings())
    column_of = {int(m): i for i, m in enumerate(model.movie_ids)}
    lines = ["## Onboarding groups", "", "| label | shown titles | cohesion | label genres the titles carry "
             "| top-10 picks with a label genre |", "|---|---|---|---|---|"]
    cohesions, fits, matches = [], [], []
    for group in recommender.movie_groups(6):
        label_genres = set(group.label.split(" & "))
        cohesion = np.nan if unit is None else coherence(unit[[column_of[m] for m in group.movie_ids]])
        fit = np.mean([len(label_genres & set(recommender.movie(m).genres)) / len(label_genres)
                       for m in group.movie_ids])
        picks = recommender.recommend({}, k=10, liked=group.movie_ids)
        match = np.mean([bool(label_genres & set(p.genres)) for p in picks])
        cohesions.append(cohesion), fits.append(fit), matches.append(match)
        titles = "; ".join(recommender.movie(m).display_title for m in group.movie_ids)
        lines.append(f"| {group.label} | {titles} | {cohesion:.2f} | {fit:.0%} | {match:.0%} |")
    lines += ["", f"Mean cohesion {np.mean(cohesions):.2f} (lowest {min(cohesions):.2f}); label genres the titles "
              f"carry {np.mean(fits):.0%}; top-10 picks with a label genre {np.mean(matches):.0%}.", ""]
    return lines


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    settings = start_job(args)
    recommender = Recommender.load(settings.artifacts_dir)
    ratings = load_configured(settings)[1].ratings
    print("\n".join(explanation_report(recommender, ratings, args) + group_report(recommender)))


if __name__ == "__main__":
    main()

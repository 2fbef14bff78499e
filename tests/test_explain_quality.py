"""scripts.explain_quality on a small served EASE: its independent leave-one-out agrees with the reasons."""

from __future__ import annotations

import re

from scripts.explain_quality import explanation_report, group_report, parse_args
from tests.test_serving import artifacts, movielens, trained  # noqa: F401  (module fixtures: a tiny served EASE)


def test_reasons_name_the_top_contributor_by_the_scripts_own_leave_one_out(trained, movielens) -> None:  # noqa: F811
    args = parse_args(["--artifacts-dir", "unused", "--users", "6", "--history", "5", "--picks", "3"])
    report = "\n".join(explanation_report(trained, movielens.ratings, args))
    named, picks = map(int, re.search(r"names a movie: (\d+)/(\d+)", report).groups())
    top, of = map(int, re.search(r"top leave-one-out contributor: (\d+)/(\d+)", report).groups())
    disliked_on_top = int(re.search(r"of the others, (\d+)", report).group(1))
    assert picks == 18 and 0 < named == of
    # EASE attributes exactly: the named movie is the top contributor unless a disliked one is
    assert top + disliked_on_top == named


def test_group_report_without_embeddings(trained) -> None:  # noqa: F811
    lines = group_report(trained)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| label")]
    assert len(rows) == len(trained.movie_groups(6)) and all("| nan |" in row for row in rows)

"""Train the models the bot serves and publish them as one artifact version.

The bot is served by a retrieval model (which movies) and a ranking model (how many stars). Both are
trained on every rating of the data set, then written with a snapshot of the catalog into a new
version folder that is switched in atomically (see :mod:`movierec.artifacts`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

from movierec.artifacts import building_version
from movierec.models.registry import import_object, spec
from movierec.models.two_stage import TwoStageConfig
from movierec.serving.catalog import Catalog

logger = logging.getLogger(__name__)


def build_model(name: str, *, quick: bool, epochs: int | None = None, seed: int | None = None,
                tensorboard_dir: str | None = None) -> Any:
    """A fresh untrained model from the registry, with ``epochs``/``seed``/``tensorboard_dir`` applied
    where its config has such a field (the closed-form baselines have none of them)."""
    entry = spec(name)
    field_names = {f.name for f in dataclasses.fields(entry.build_config(quick=quick))}
    overrides = {key: value for key, value in (("epochs", epochs), ("seed", seed), ("tensorboard_dir", tensorboard_dir))
                 if value is not None and key in field_names}
    return entry.factory(quick=quick, **overrides)()


SERVED_ROLES = {"retrieval": "score_items", "ranking": "predict_ratings"}
"""Each served role and the method a model needs to play it."""


def check_servable(role: str, name: str) -> None:
    """``ValueError`` unless registry row ``name`` can play ``role`` and be published (saved, then loaded by
    the bot): report-only rows (the hybrids, the stack, the known-user models) cannot."""
    model_class = import_object(spec(name).model)
    missing = [method for method in (SERVED_ROLES[role], "save", "load") if not hasattr(model_class, method)]
    if missing:
        raise ValueError(f"{name!r} cannot be the served {role} model: {model_class.__name__} has no "
                         f"{', '.join(missing)}")


def train_served_models(movielens: Any, artifacts_dir: Path, served: TwoStageConfig = TwoStageConfig(), *,
                        quick: bool = False, epochs: int | None = None, seed: int | None = None,
                        source: str = "", tensorboard_dir: Path | None = None) -> tuple[str, dict[str, Any]]:
    """Fit the served models on all ratings and publish them; returns (version, summary).

    With ``tensorboard_dir``, each model's training logs go to ``<tensorboard_dir>/<role>``."""
    ratings, movies = movielens.ratings, movielens.movies
    catalog = Catalog(movies, movielens.merged_ids)
    summary: dict[str, Any] = {"dataset": {"release": movielens.release, "source": source,
                                           "ratings": int(len(ratings)), "users": int(ratings["user_id"].nunique()),
                                           "movies": int(len(movies))},
                               "quick": quick, "seed": seed, "models": {}, "histories": {}}
    fitted = {}
    for role, name in (("retrieval", served.retrieval), ("ranking", served.ranking)):
        model = build_model(name, quick=quick, epochs=epochs, seed=seed,
                            tensorboard_dir=str(tensorboard_dir / role) if tensorboard_dir else None)
        started = time.perf_counter()
        model.fit(ratings, movies)
        seconds = time.perf_counter() - started
        logger.info("trained %s (%s) in %.1f s", role, name, seconds)
        fitted[role] = (name, model)
        config = getattr(model, "config", None)
        summary["models"][role] = {"name": name, "train_seconds": round(seconds, 2),
                                   "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else {}}
        summary["histories"][role] = getattr(model, "history", {})
    manifest = {
        "dataset": summary["dataset"],
        "serving": dataclasses.asdict(served),
        "models": {role: {"name": name, "folder": role,
                          "class": f"{type(model).__module__}:{type(model).__qualname__}",
                          "train_seconds": summary["models"][role]["train_seconds"],
                          "config": summary["models"][role]["config"]}
                   for role, (name, model) in fitted.items()},
    }
    with building_version(artifacts_dir, manifest) as staged:
        catalog.save(staged.folder)
        for role, (_, model) in fitted.items():
            model.save(staged.folder / role)
    return staged.version, summary

"""Models built from other registered models ("stages"), and how an evaluation hands fitted ones in.

The served pipeline (:class:`~movierec.models.two_stage.TwoStageModel`) and the retrieval + EASE blend
(:class:`~movierec.models.hybrid.HybridScorer`) are measured in the same report as the rows of their
parts. :func:`movierec.evaluation.queries.fitted_models` hands each of them its parts' fitted models
instead of training them again, so a composite is measured on exactly the models its parts were.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

RUN_ONLY_FIELDS = frozenset({"threads", "verbose", "tensorboard_dir"})
"""Config fields that change how a fit runs, not what it learns: a handed-in model may differ in them."""


def learned_settings(config: Any) -> dict[str, Any] | Any:
    """A config's fields minus :data:`RUN_ONLY_FIELDS` (the config itself when it is not a dataclass)."""
    if not dataclasses.is_dataclass(config):
        return config
    return {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name not in RUN_ONLY_FIELDS}


class Stages:
    """Mixin: ``stage_names`` (role -> registry name) say which registered model plays each role; each
    part lives in the attribute named by its role. A class sets its ``config`` (which ``stage_names``
    reads), then calls ``super().__init__(quick=...)``, which builds the parts unfitted."""

    stage_names: dict[str, str]

    def __init__(self, *, quick: bool = False) -> None:
        from movierec.models.registry import spec  # the registry lists the composites: import it lazily

        for role, name in self.stage_names.items():
            setattr(self, role, spec(name).factory(quick=quick)())
        self._handed_in: set[str] = set()  # roles whose model came fitted through use_fitted_stage

    def use_fitted_stage(self, role: str, model: Any) -> None:
        """Play ``role`` with ``model``, already fitted on the data :meth:`fit` will be given; fit()
        leaves it as it is. ``ValueError`` unless it is the model this config builds (same class, same
        settings but for :data:`RUN_ONLY_FIELDS`): anything else would measure another composite."""
        own = getattr(self, role)
        if type(model) is not type(own) or (learned_settings(getattr(model, "config", None))
                                             != learned_settings(getattr(own, "config", None))):
            raise ValueError(f"a {type(model).__name__} with other settings cannot be the {role} stage "
                             f"({self.stage_names[role]!r} as configured)")
        setattr(self, role, model)
        self._handed_in.add(role)

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        """Fit the stages that were not handed in already fitted."""
        for role in self.stage_names:
            if role not in self._handed_in:
                getattr(self, role).fit(train, movies)

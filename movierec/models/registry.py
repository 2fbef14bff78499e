"""Stable model names -> how to build the model, for the training script, tuning and the report.

Entries name classes by ``"module:Class"`` strings and import them only when built, so listing
or running the NumPy baselines never pays TensorFlow's start-up. One class may appear under several
names with different settings (the multitask model's rating-, retrieval-specialised and joint rows).

Each model's module owns its config dataclass; ``settings`` overrides its defaults for this entry,
``quick`` overrides them again for tests (tiny epochs, seconds of training).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def import_object(path: str) -> Any:
    """The object named ``"package.module:attribute"``; ``ValueError`` when it does not exist."""
    module_name, _, attribute = path.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"cannot import {path!r}: {error}") from error


@dataclass(frozen=True)
class ModelSpec:
    """How to build one registered model."""

    model: str
    """``"movierec.models.<module>:<Class>"``; the class takes its config as sole argument."""
    config: str
    """``"movierec.models.<module>:<ConfigDataclass>"``."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Config fields that differ from the dataclass defaults for this entry."""
    quick: Mapping[str, Any] = field(default_factory=dict)
    """Further overrides for ``quick`` runs (tests, smoke runs)."""
    baseline: bool = False
    """True for the reference models the report compares the TFRS models against."""
    hybrid: bool = False
    """True for a TFRS model blended with a baseline: the report's targets also name the best model without."""

    def build_config(self, *, quick: bool = False, **overrides: Any) -> Any:
        """The config dataclass with settings, quick settings (when asked) and ``overrides`` applied."""
        config_class = import_object(self.config)
        values = {**self.settings, **(self.quick if quick else {}), **overrides}
        unknown = set(values) - {f.name for f in dataclasses.fields(config_class)}
        if unknown:
            raise ValueError(f"{self.config} has no fields {sorted(unknown)}")
        return config_class(**values)

    def factory(self, *, quick: bool = False, **overrides: Any) -> Callable[[], Any]:
        """A zero-argument builder of fresh, untrained models (the protocols train one per split)."""
        model_class = import_object(self.model)
        config = self.build_config(quick=quick, **overrides)
        return lambda: model_class(config)


# Tiny settings shared by the history-based TensorFlow models (retrieval, ranking, multitask) in quick runs.
_QUICK_HISTORY = {"epochs": 1, "embedding_dim": 16, "max_history": 10}

# The three multitask comparison rows took half the report's time at the config defaults (width 128,
# 32 targets per user and epoch, 40 epochs at 0.002). These settings, with multitask.py no longer
# computing a task weighted 0, train each row in 20-45% of the CPU time. New-users protocol, seed 42,
# nDCG@10 at H=10: retrieval row 0.642 -> 0.634 (H=20: 0.608 -> 0.586), joint 0.559 -> 0.567; rating
# row RMSE 0.970 -> 0.981. Fewer epochs lost more (25 at 0.002: joint 0.498 at H=10). The joint row
# moved by 0.04 between 16 and 32 targets per user, objectives equal in expectation: its seed noise.
_MULTITASK = {"embedding_dim": 64, "max_targets_per_user": 16, "epochs": 30, "learning_rate": 0.003}

MODELS: dict[str, ModelSpec] = {
    "popularity": ModelSpec("movierec.models.popularity:PopularityModel", "movierec.models.popularity:PopularityConfig",
                            baseline=True),
    "bias": ModelSpec("movierec.models.bias:BiasModel", "movierec.models.bias:BiasConfig", baseline=True),
    "ease": ModelSpec("movierec.models.ease:EaseModel", "movierec.models.ease:EaseConfig", baseline=True),
    # Short new-user histories want a far stronger penalty than the top-n split (scripts/tune.py chose
    # l2=3200 on new-users validation users, l2=400 on the top-n validation split): both are reference rows.
    "ease_new_users": ModelSpec("movierec.models.ease:EaseModel", "movierec.models.ease:EaseConfig",
                                settings={"l2": 3200.0}, baseline=True),
    # Implicit ALS: its defaults are scripts/tune.py's choice on the top-n carve (alpha 10, l2 60: 0.1910 nDCG@10
    # against EASE's 0.1849); on new-users validation users it stays below ease_new_users (0.670 against 0.689).
    "ials": ModelSpec("movierec.models.ials:ImplicitAlsModel", "movierec.models.ials:ImplicitAlsConfig",
                      baseline=True),
    # Known-user rating models (NumPy item kNN and ALS, a tf-keras AutoRec), the rating_stack row's members;
    # new users get the bias model's prediction. Settings: their config defaults (scripts/tune_rating_stack.py).
    "item_knn": ModelSpec("movierec.models.item_knn:ItemKnn", "movierec.models.item_knn:ItemKnnConfig", baseline=True),
    "biased_als": ModelSpec("movierec.models.als:BiasedAls", "movierec.models.als:BiasedAlsConfig",
                            quick={"dim": 4, "iterations": 2}, baseline=True),
    "autorec": ModelSpec("movierec.models.autorec:AutoRec", "movierec.models.autorec:AutoRecConfig",
                         quick={"hidden_units": 16, "epochs": 2}, baseline=True),
    # The TFRS models. Defaults live in each config dataclass; ``quick`` shrinks them to seconds.
    # Served models. settings: chosen by `python -m scripts.tune --models retrieval,ranking` on validation
    # users carved from the new-users training split (reports/tuning.md); the test users are never read.
    # Retrieval then went from embedding_dim 128 to 64 on the same validation users: nDCG@10 (H=10) 0.676
    # against 0.678 (96 gave 0.670: differences of this size are seed noise) in 55% of the training time,
    # which brings the default models within the 3-minute training target.
    "retrieval": ModelSpec("movierec.models.retrieval:HistoryRetrieval",
                           "movierec.models.retrieval:HistoryRetrievalConfig",
                           settings={"epochs": 80, "learning_rate": 0.002 / 3, "embedding_dim": 64},
                           quick=_QUICK_HISTORY),
    "id_retrieval": ModelSpec("movierec.models.id_retrieval:IdRetrieval",
                              "movierec.models.id_retrieval:IdRetrievalConfig", quick={"epochs": 1}),
    "ranking": ModelSpec("movierec.models.ranking:HistoryRanking", "movierec.models.ranking:HistoryRankingConfig",
                         settings={"epochs": 30, "learning_rate": 0.001}, quick=_QUICK_HISTORY),
    # Known users (the tfrs protocol) want the user-id correction in every training history; the served
    # row hides it from half of them so that new users, who never have one, are predicted well. On
    # validation ratings carved from the tfrs training split, user_id_dropout 0.5 / 0.1 / 0.0 gave RMSE
    # 0.929 / 0.921 / 0.918, on new-users validation users (H=10) 0.957 / 0.967 / 0.974: hence two rows.
    # With dropout 0, max_history 300, no hidden dropout, width 64, 256 hidden units, 16 users per batch
    # or lr 0.0005 for 60 epochs stayed at 0.918-0.921 (noise); width 16, lr 0.00033 or 0.003, 15 or 60
    # epochs (reports/tuning_tfrs.md) and l2 1e-4 were worse. Measured once on the test split: RMSE 0.920
    # (served row 0.930) but 0.990 for new users at H=10, so it is a report row, never served.
    "ranking_known_users": ModelSpec("movierec.models.ranking:HistoryRanking",
                                     "movierec.models.ranking:HistoryRankingConfig",
                                     settings={"epochs": 30, "learning_rate": 0.001, "user_id_dropout": 0.0},
                                     quick=_QUICK_HISTORY),
    # the original notebooks' three multitask rows: (rating weight, retrieval weight), other settings shared
    "multitask_rating": ModelSpec("movierec.models.multitask:HistoryMultitask",
                                  "movierec.models.multitask:MultitaskConfig",
                                  settings={**_MULTITASK, "rating_weight": 1.0, "retrieval_weight": 0.0},
                                  quick=_QUICK_HISTORY),
    "multitask_retrieval": ModelSpec("movierec.models.multitask:HistoryMultitask",
                                     "movierec.models.multitask:MultitaskConfig",
                                     settings={**_MULTITASK, "rating_weight": 0.0, "retrieval_weight": 1.0},
                                     quick=_QUICK_HISTORY),
    "multitask_joint": ModelSpec("movierec.models.multitask:HistoryMultitask",
                                 "movierec.models.multitask:MultitaskConfig",
                                 settings={**_MULTITASK, "rating_weight": 1.0, "retrieval_weight": 1.0},
                                 quick=_QUICK_HISTORY),
    # The served pipeline with the ranking model's stars blended into the order, to measure whether the
    # blend beats plain retrieval order (the served default, rating_weight=0, equals the "retrieval" row).
    # Where a protocol also has the "retrieval" and "ranking" rows, it is measured on their fitted models
    # (evaluation.queries.fitted_models), not trained again.
    "two_stage_blend": ModelSpec("movierec.models.two_stage:TwoStageModel", "movierec.models.two_stage:TwoStageConfig",
                                 settings={"rating_weight": 0.5}, quick={"quick": True}),
    # Retrieval blended with baseline scorers (z-scores, each baseline weighted), measured on the fitted
    # "retrieval" and baseline rows of the same protocol. `python -m scripts.tune_hybrid` on validation data
    # carved from each protocol's training part (reports/tuning_hybrid.md): for new users the new-users EASE
    # alone (best 0.15, 0.2 within 0.002; over three earlier validation runs, two splits and two retrieval
    # seeds, 0.2 and 0.25 tied); for the top-n split EASE (0.25) and implicit ALS (1) together, 0.1939 nDCG@10
    # against 0.1922 for the best single baseline. The grid's best cell paired ials with the new-users EASE
    # instead (0.1948): within the grid's noise (neighbouring cells move by 0.002), and that penalty was tuned
    # for short histories and is the weakest top-n part alone (0.1734), so the row keeps the top-n EASE.
    # Report rows, not served (movierec/models/hybrid.py).
    "retrieval_ease_new_users": ModelSpec("movierec.models.hybrid:HybridScorer", "movierec.models.hybrid:HybridConfig",
                                          settings={"baselines": ("ease_new_users",), "weights": (0.2,)},
                                          quick={"quick": True}, hybrid=True),
    "retrieval_ease_ials": ModelSpec("movierec.models.hybrid:HybridScorer", "movierec.models.hybrid:HybridConfig",
                                     settings={"baselines": ("ease", "ials"), "weights": (0.25, 1.0)},
                                     quick={"quick": True}, hybrid=True),
    # tfrs-protocol RMSE: ranking_known_users stacked with the known-user models (movierec/models/rating_stack.py),
    # measured on the fitted rows of the same protocol. Weights: least squares on the validation ratings of two inner
    # splits (seeds 42, 43) of the tfrs training part, pooled (`python -m scripts.tune_rating_stack`,
    # reports/tuning_rating_stack.md): RMSE 0.885 / 0.892 (weights fitted on the other split: 0.886 / 0.892; best
    # member alone 0.910 / 0.920). Without autorec 0.900 / 0.906; five ranking seeds instead of one gained < 0.001.
    "rating_stack": ModelSpec("movierec.models.rating_stack:RatingStack",
                              "movierec.models.rating_stack:RatingStackConfig",
                              settings={"members": ("ranking_known_users", "item_knn", "biased_als", "autorec", "bias"),
                                        "weights": (0.376, 0.175, 0.303, 0.504, -0.354), "intercept": 0.039},
                              quick={"quick": True}, hybrid=True),
}

EXTRA_REPORTS: dict[str, str] = {
    # name -> "module:function" producing extra report rows, e.g. DCN's mean ± std over 5 runs and its heatmap.
    # Contract: function(ratings, movies, out_dir: Path, *, quick: bool, seed: int) -> dict[row name,
    # dict[metric, float]]; rows join the "tfrs" protocol (keys as there: "rmse", plus "rmse_std",
    # "train_seconds"); any PNG it writes into out_dir is listed in the report.
    "dcn": "movierec.models.dcn:dcn_report",
}


def spec(name: str) -> ModelSpec:
    """The registered spec; ``ValueError`` listing the known names otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(MODELS)}") from None


def baseline_names() -> list[str]:
    """Names of the reference models, in registry order."""
    return [name for name, entry in MODELS.items() if entry.baseline]

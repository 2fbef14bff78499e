"""DCN-v2 rating model on the original notebook's features, as in the TFRS DCN tutorial.

Features: user id, movie id, gender, zip code, occupation, age bucket, and the movie's director and
lead actor when the catalog carries enrichment columns. Each becomes a 32-d embedding; a cross layer
learns explicit feature interactions (``tfrs.layers.dcn.Cross``, optionally low-rank through
``projection_dim``) before a ReLU stack. A ``cross_layers=0`` config is the same-size DNN. The cross
layer's weight matrix, summarised per feature pair, is the feature-importance heatmap of the tutorial.

This model knows users by id (the comparison with the notebooks); a new user is out of vocabulary.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

import tensorflow as tf
import tensorflow_recommenders as tfrs

from movierec.data import schema
from movierec.models import training
from movierec.models.base import UserQuery, clip_stars
from movierec.data.lookup import sorted_lookup

VOCABULARIES_FILE = "feature_vocabularies.npz"
USER_FEATURES = (schema.USER_ID, schema.USER_GENDER, schema.USER_ZIP_CODE, schema.USER_OCCUPATION_LABEL,
                 schema.BUCKETIZED_USER_AGE)
MOVIE_FEATURES = (schema.MOVIE_ID,)
STAR = "star"  # first-billed cast member, derived from schema.CAST
ENRICHMENT_FEATURES = (schema.DIRECTOR, STAR)
HEATMAP_FILE = "dcn_cross_heatmap.png"


@dataclass
class DcnConfig:
    """Hyper-parameters of :class:`DcnModel` (tutorial values); the three report variants differ only here."""

    cross_layers: int = 1
    """Stacked cross layers before the deep part; 0 makes the same-size plain DNN."""
    projection_dim: int | None = None
    """Low-rank cross layer (W = U V) of this rank; None for a full-rank cross layer."""
    deep_units: tuple[int, ...] = (192, 192)
    embedding_dim: int = 32
    learning_rate: float = 0.01
    batch_size: int = 8192
    epochs: int = 8
    seed: int = 42
    threads: int = 2
    tensorboard_dir: str | None = None
    verbose: int = 0



VARIANTS: dict[str, DcnConfig] = {
    "dcn_stacked": DcnConfig(cross_layers=1),
    "dcn_low_rank": DcnConfig(cross_layers=1, projection_dim=20),
    "dnn": DcnConfig(cross_layers=0, deep_units=(192, 192, 192)),
}


def _as_string(value: Any) -> str:
    """One feature value as a string; missing -> "", 25.0 -> "25" (ids may arrive as floats next to NaN)."""
    if value is None or (not isinstance(value, (list, str)) and pd.isna(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _as_strings(values: pd.Series) -> np.ndarray:
    """Feature values as strings, the one type every vocabulary uses."""
    return np.array([_as_string(v) for v in values], dtype=str)


class _DcnNet(tfrs.Model):
    def __init__(self, sizes: Mapping[str, int], config: DcnConfig) -> None:
        super().__init__()
        self.feature_names = list(sizes)
        self.embeddings = {name: tf.keras.layers.Embedding(size + 1, config.embedding_dim, name=f"{name}_embedding")
                           for name, size in sizes.items()}
        self.cross = [tfrs.layers.dcn.Cross(projection_dim=config.projection_dim, kernel_initializer="glorot_uniform")
                      for _ in range(config.cross_layers)]
        self.deep = [tf.keras.layers.Dense(units, activation="relu") for units in config.deep_units]
        self.output_layer = tf.keras.layers.Dense(1)
        self.task = tfrs.tasks.Ranking(loss=tf.keras.losses.MeanSquaredError(),
                                       metrics=[tf.keras.metrics.RootMeanSquaredError()])

    def call(self, features: Mapping[str, tf.Tensor]) -> tf.Tensor:
        x = tf.concat([self.embeddings[name](features[name]) for name in self.feature_names], axis=1)
        x0 = x
        for layer in self.cross:
            x = layer(x0, x)
        for layer in self.deep:
            x = layer(x)
        return self.output_layer(x)[:, 0]

    def compute_loss(self, features: Mapping[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        return self.task(labels=features["rating"], predictions=self(features))


class DcnModel:
    """RatingPredictor + Persistable: DCN-v2 (or the plain DNN) on id and demographic features."""

    name = "dcn"

    def __init__(self, config: DcnConfig | None = None) -> None:
        self.config = config or DcnConfig()
        self.history: dict[str, list[float]] = {}
        self.vocabularies: dict[str, np.ndarray] = {}
        self._movie_extras: pd.DataFrame | None = None
        self._net: _DcnNet | None = None

    def fit(self, train: pd.DataFrame, movies: pd.DataFrame) -> None:
        config = self.config
        training.require_columns(train, USER_FEATURES + MOVIE_FEATURES + (schema.USER_RATING,), "the training ratings")
        training.limit_threads(config.threads)
        tf.keras.utils.set_random_seed(config.seed)
        self._movie_extras = _movie_extras(movies)
        frame = self._with_movie_extras(train)
        names = list(USER_FEATURES + MOVIE_FEATURES) + list(self._movie_extras.columns)
        self.vocabularies = {name: np.unique(_as_strings(frame[name])) for name in names}
        self._net = _DcnNet({n: len(v) for n, v in self.vocabularies.items()}, config)
        self._net.compile(optimizer=tf.keras.optimizers.Adam(config.learning_rate))
        examples = {**self._encode(frame), "rating": frame[schema.USER_RATING].to_numpy(np.float32)}
        self.history = training.fit_examples(self._net, examples, batch_size=config.batch_size, epochs=config.epochs,
                                             tensorboard_dir=config.tensorboard_dir, verbose=config.verbose)

    def predict_frame(self, frame: pd.DataFrame) -> np.ndarray:
        """Predicted stars for each row of a ratings-like frame (user and movie columns)."""
        self._require_trained()
        inputs = self._encode(self._with_movie_extras(frame))
        return clip_stars(self._net.predict_on_batch(inputs)).astype(np.float32)

    def predict_ratings(self, queries: Sequence[UserQuery], movie_ids: Sequence[Sequence[int]]) -> list[np.ndarray]:
        rows = [{schema.USER_ID: q.user_id, schema.MOVIE_ID: m, **{c: q.features.get(c) for c in USER_FEATURES[1:]}}
                for q, ids in zip(queries, movie_ids, strict=True) for m in ids]
        stars = self.predict_frame(pd.DataFrame(rows, columns=list(USER_FEATURES + MOVIE_FEATURES)))
        return np.split(stars, np.cumsum([len(ids) for ids in movie_ids])[:-1])

    def cross_importance(self) -> tuple[list[str], np.ndarray]:
        """Feature names and the [F, F] Frobenius norms of the first cross layer's weight blocks."""
        self._require_trained()
        if not self._net.cross:
            raise ValueError("this variant has no cross layer (cross_layers=0)")
        cross = self._net.cross[0]
        if cross._projection_dim is None:
            matrix = cross._dense.kernel.numpy()
        else:
            matrix = cross._dense_u.kernel.numpy() @ cross._dense_v.kernel.numpy()
        dim, names = self.config.embedding_dim, self._net.feature_names
        blocks = matrix.reshape(len(names), dim, len(names), dim)
        return names, np.sqrt((blocks ** 2).sum(axis=(1, 3)))

    def save(self, path: Path) -> None:
        self._require_trained()
        path = Path(path)
        training.write_config(path, self.name, self.config, {"history": self.history})
        extras = self._movie_extras
        np.savez(path / VOCABULARIES_FILE, **{f"vocabulary__{k}": v for k, v in self.vocabularies.items()},
                 **{f"movie__{c}": _as_strings(extras[c]) for c in extras.columns},
                 movie_ids=extras.index.to_numpy(np.int64))
        training.save_weights(self._net, path)

    @classmethod
    def load(cls, path: Path) -> Self:
        path = Path(path)
        values, state = training.read_config(path, cls.name)
        model = cls(training.config_from_dict(DcnConfig, values))
        model.history = state.get("history", {})
        with np.load(path / VOCABULARIES_FILE, allow_pickle=False) as data:
            model.vocabularies = {k.split("__", 1)[1]: data[k] for k in data.files if k.startswith("vocabulary__")}
            model._movie_extras = pd.DataFrame({k.split("__", 1)[1]: data[k] for k in data.files
                                                if k.startswith("movie__")}, index=data["movie_ids"])
        model._net = _DcnNet({n: len(v) for n, v in model.vocabularies.items()}, model.config)
        model._net({n: tf.zeros([1], tf.int32) for n in model.vocabularies})  # create the variables
        training.load_weights(model._net, path)
        return model

    # ---- internals ----------------------------------------------------------------------------
    def _with_movie_extras(self, frame: pd.DataFrame) -> pd.DataFrame:
        extras = self._movie_extras
        if extras is None or extras.columns.empty:
            return frame
        return frame.join(extras, on=schema.MOVIE_ID)

    def _encode(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Vocabulary index per feature (0: not seen in training)."""
        return {name: sorted_lookup(vocabulary, _as_strings(frame[name]))
                for name, vocabulary in self.vocabularies.items()}

    def _require_trained(self) -> None:
        if self._net is None:
            raise RuntimeError(f"{self.name} is not trained: call fit() or load() first")


def _movie_extras(movies: pd.DataFrame) -> pd.DataFrame:
    """Director and lead actor per movie id when the catalog is enriched; no columns otherwise."""
    extras = pd.DataFrame(index=movies[schema.MOVIE_ID].to_numpy(np.int64))
    if schema.DIRECTOR in movies.columns and movies[schema.DIRECTOR].notna().any():
        extras[schema.DIRECTOR] = movies[schema.DIRECTOR].to_numpy()
    if schema.CAST in movies.columns and movies[schema.CAST].notna().any():
        extras[STAR] = [c[0] if isinstance(c, (list, tuple, np.ndarray)) and len(c) else None
                        for c in movies[schema.CAST]]
    return extras


def _trained_runs(train: pd.DataFrame, test: pd.DataFrame, movies: pd.DataFrame, n_runs: int,
                  overrides: Mapping[str, Any]) -> tuple[dict[str, dict[str, float]], dict[str, DcnModel]]:
    results, last_models = {}, {}
    truth = test[schema.USER_RATING].to_numpy(np.float64)
    for variant, base in VARIANTS.items():
        errors, seconds = [], []
        for run in range(n_runs):
            model = DcnModel(DcnConfig(**{**base.__dict__, **overrides, "seed": base.seed + run}))
            start = time.perf_counter()
            model.fit(train, movies)
            seconds.append(time.perf_counter() - start)
            errors.append(float(np.sqrt(np.mean((model.predict_frame(test) - truth) ** 2))))
            last_models[variant] = model
        results[variant] = {"rmse": float(np.mean(errors)), "rmse_std": float(np.std(errors)),
                            "train_seconds": float(np.mean(seconds)), "runs": float(n_runs)}
    return results, last_models


def dcn_rmse_runs(train: pd.DataFrame, test: pd.DataFrame, movies: pd.DataFrame, n_runs: int = 5,
                  **overrides: Any) -> dict[str, dict[str, float]]:
    """Test RMSE mean ± std over ``n_runs`` seeds for each variant (stacked DCN, low-rank DCN, DNN)."""
    return _trained_runs(train, test, movies, n_runs, overrides)[0]


def plot_cross_heatmap(model: DcnModel, path: Path) -> None:
    """The cross layer's per-feature-pair weight norms as a heatmap PNG (TFRS DCN tutorial figure)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, importance = model.cross_importance()
    figure, axes = plt.subplots(figsize=(7, 6))
    image = axes.matshow(importance / importance.max(), cmap=plt.cm.Blues)
    axes.set_xticks(range(len(names)), names, rotation=45, ha="left")
    axes.set_yticks(range(len(names)), names)
    figure.colorbar(image, ax=axes)
    axes.set_title("DCN cross-layer weights (normalised block norms)", pad=40)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def dcn_report(ratings: pd.DataFrame, movies: pd.DataFrame, out_dir: Path, *, quick: bool, seed: int
               ) -> dict[str, dict[str, float]]:
    """Registry EXTRA_REPORTS entry: tfrs-protocol split, 5 runs per variant (1 when quick), heatmap PNG."""
    from movierec.data.splits import random_split

    split = random_split(ratings, test_fraction=0.2, seed=seed)
    overrides = {"epochs": 1} if quick else {}
    results, models = _trained_runs(split.train, split.test, movies, 1 if quick else 5, overrides)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_cross_heatmap(models["dcn_stacked"], out_dir / HEATMAP_FILE)
    return results

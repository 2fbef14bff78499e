"""Importing movierec first must be enough for TensorFlow Recommenders to find Keras 2."""

from __future__ import annotations

import os
import subprocess
import sys


def test_movierec_import_selects_legacy_keras_for_tfrs() -> None:
    env = {key: value for key, value in os.environ.items() if key != "TF_USE_LEGACY_KERAS"}
    code = ("import movierec, os, tensorflow_recommenders as tfrs, tensorflow as tf; "
            "print(os.environ['TF_USE_LEGACY_KERAS'], tfrs.__version__.lstrip('v'), tf.keras.__name__.split('.')[0])")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    # tf.keras resolved to the Keras 2 package tf_keras, as TFRS 0.7.7 requires
    assert result.stdout.split() == ["1", "0.7.7", "tf_keras"]


def test_movierec_import_overrides_a_user_setting_that_would_break_tfrs() -> None:
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "0"}
    code = "import movierec, tensorflow_recommenders, tensorflow as tf; print(tf.keras.__name__.split('.')[0])"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["tf_keras"]

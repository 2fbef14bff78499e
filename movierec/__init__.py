"""movierec: MovieLens data, TensorFlow Recommenders models and the serving API the bot calls.

TensorFlow Recommenders 0.7.7 only works with Keras 2 (the ``tf-keras`` package). TensorFlow picks its
Keras flavour the first time it is imported, so the switch below must run before any ``import
tensorflow`` anywhere in the process. Every module that touches TensorFlow lives under this package,
so importing it first is enough: this is the one place the variable is set.
"""

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# TensorFlow's C++ start-up chatter (CPU feature notices, oneDNN banners) drowns our own logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"

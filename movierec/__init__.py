"""movierec: MovieLens data, TensorFlow Recommenders models and the serving API the bot calls.

TensorFlow Recommenders 0.7.7 only works with Keras 2 (the ``tf-keras`` package). TensorFlow picks its
Keras flavour the first time it is imported, so the switch below must run before any ``import
tensorflow`` anywhere in the process. Every module that touches TensorFlow lives under this package,
so importing it first is enough (Python imports this package before any of its modules): this is the one
place the variable is set. It is forced rather than defaulted: a user environment with
``TF_USE_LEGACY_KERAS=0`` would otherwise make TFRS fail at import with an error about Keras 3.
"""

import logging
import os
import sys

if "tensorflow" in sys.modules and os.environ.get("TF_USE_LEGACY_KERAS") != "1":
    # Too late to switch: TensorFlow already chose its Keras. Say so rather than fail later inside TFRS.
    logging.getLogger(__name__).warning(
        "tensorflow was imported before movierec; import movierec first so that TFRS gets Keras 2")
os.environ["TF_USE_LEGACY_KERAS"] = "1"
# TensorFlow's C++ start-up chatter (CPU feature notices, oneDNN banners) drowns our own logs.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if not os.environ.get("NUMBA_CACHE_DIR"):  # numba reads it once, at import: see movierec/numba_cache.py
    from movierec.numba_cache import writable_cache_dir

    os.environ["NUMBA_CACHE_DIR"] = writable_cache_dir()

__version__ = "0.1.0"

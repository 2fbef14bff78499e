"""MovieLens data: download (``download``), parse (``readers``), clean (``cleaning``), load (``loaders``),
engineered features (``features``), optional Kaggle enrichment (``enrichment``) and splits (``splits``).

Start with :func:`movierec.data.loaders.load_movielens`; column names live in :mod:`movierec.data.schema`.
"""

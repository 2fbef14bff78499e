"""ItemKnn: the bias prediction plus the residual of the most similar movies the user rated."""

from __future__ import annotations

import pandas as pd
import pytest

from movierec.data import schema
from movierec.models.base import UserQuery
from movierec.models.item_knn import ItemKnn, ItemKnnConfig

# Movies 1 and 2 get the same stars from everyone, movie 3 the opposite; user 9 has not rated movie 2.
TASTES = {1: (5, 5, 1), 2: (1, 1, 5), 3: (4, 4, 2), 4: (2, 2, 4), 5: (5, 5, 1), 6: (1, 1, 5), 7: (3, 3, 3), 8: (4, 4, 2)}
USER_9 = {1: 5.0, 3: 1.0}


def ratings() -> pd.DataFrame:
    rows = [(user, movie, float(stars)) for user, row in TASTES.items() for movie, stars in zip((1, 2, 3), row)]
    rows += [(9, movie, stars) for movie, stars in USER_9.items()]
    return pd.DataFrame(rows, columns=[schema.USER_ID, schema.MOVIE_ID, schema.USER_RATING])


def fitted(**settings) -> ItemKnn:
    model = ItemKnn(ItemKnnConfig(**settings))
    model.fit(ratings(), pd.DataFrame({schema.MOVIE_ID: [1, 2, 3]}))
    return model


def test_similar_movies_correlate_positively_and_shrinkage_pulls_towards_zero() -> None:
    model = fitted(shrinkage=0.0)
    assert model.similarity[0, 1] > 0.9 and model.similarity[1, 2] < -0.9 and model.similarity[0, 0] == 0
    assert 0 < fitted(shrinkage=50.0).similarity[0, 1] < model.similarity[0, 1] / 2


@pytest.mark.parametrize("k", [1, 2])
def test_a_known_user_gets_the_bias_prediction_plus_the_nearest_movies_residual(k) -> None:
    model = fitted(k=k, shrinkage=0.0)
    query = UserQuery(history=USER_9, user_id=9)
    bias = model.fallback.predict_ratings([query], [[2]])[0][0]
    train = ratings()
    residual = train[schema.USER_RATING] - model.fallback.baselines(train)
    movie_1 = residual[(train[schema.USER_ID] == 9) & (train[schema.MOVIE_ID] == 1)].item()
    # movie 3 is the other rated movie, but its similarity to movie 2 is negative: it never votes
    assert model.predict_ratings([query], [[2]])[0][0] == pytest.approx(bias + movie_1, abs=1e-5)
    assert movie_1 > 0.5

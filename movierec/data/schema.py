"""Column names and label sets shared by every MovieLens release we read.

The ratings frame mirrors the features of TFDS ``movie_lens/100k-ratings`` so the models and the EDA
line up with the TensorFlow Recommenders tutorials. Ids stay the dataset's own integers.
"""

# TFDS ``movie_genres`` class labels, in TFDS order (the label id is the index).
GENRES: tuple[str, ...] = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "Unknown", "War", "Western", "(no genres listed)",
)

# ratings frame: one row per (user, movie) rating
USER_ID = "user_id"                    # int64, dataset's own id
MOVIE_ID = "movie_id"                  # int64, canonical id after duplicate merging
MOVIE_TITLE = "movie_title"            # str, the raw dataset title, e.g. "Usual Suspects, The (1995)"
MOVIE_GENRES = "movie_genres"          # list[int], TFDS genre label ids
USER_RATING = "user_rating"            # float32, 0.5..5.0
TIMESTAMP = "timestamp"                # int64, unix seconds
USER_GENDER = "user_gender"            # bool (TFDS: True = male); missing demographics -> pd.NA
RAW_USER_AGE = "raw_user_age"          # float32
BUCKETIZED_USER_AGE = "bucketized_user_age"  # float32, TFDS buckets 1, 18, 25, 35, 45, 50, 56
USER_OCCUPATION_LABEL = "user_occupation_label"  # int64
USER_OCCUPATION_TEXT = "user_occupation_text"    # str
USER_ZIP_CODE = "user_zip_code"        # str

# movies frame (the catalog): one row per canonical movie
TITLE = "title"                        # raw dataset title
DISPLAY_TITLE = "display_title"        # article moved back, year kept: "The Usual Suspects (1995)"
NAME = "name"                          # display title without the year: "The Usual Suspects"
YEAR = "year"                          # Int64 (nullable)
RELEASE_DATE = "release_date"          # datetime64 or NaT
GENRE_NAMES = "genres"                 # list[str] from GENRES
IMDB_URL = "imdb_url"                  # str or None
RATING_COUNT = "rating_count"          # int, ratings in the loaded data
RATING_MEAN = "rating_mean"            # float

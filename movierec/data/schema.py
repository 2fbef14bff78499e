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

# TFDS ``user_occupation_label`` class labels, in TFDS order (the label id is the index). The raw
# occupation strings of 100k and the occupation codes of 1m are mapped onto these by the loader.
OCCUPATION_LABELS: tuple[str, ...] = (
    "academic/educator", "artist", "clerical/admin", "customer service", "doctor/health care",
    "entertainment", "executive/managerial", "farmer", "homemaker", "lawyer", "librarian",
    "other/not specified", "programmer", "retired", "sales/marketing", "scientist", "self-employed",
    "student", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)

# TFDS ``bucketized_user_age``: each value is the lower bound of its age range (1 means "under 18").
AGE_BUCKETS: tuple[int, ...] = (1, 18, 25, 35, 45, 50, 56)

# users frame: one row per user who has at least one rating (raw dataset values)
AGE = "age"                            # Int64; 1m stores the bucket (1, 18, ...) rather than the age
GENDER = "gender"                      # "M" / "F" (category)
OCCUPATION = "occupation"              # raw occupation text (category)
ZIP_CODE = "zip_code"                  # str (category)

# engineered features (movierec.data.features)
MOVIE_AGE_AT_RATING = "movie_age_at_rating"    # float32, years between release and rating, >= 0
MOVIE_RATING_COUNT = "movie_rating_count"      # int64, ratings of the movie in the frame given
MOVIE_RATING_MEAN = "movie_rating_mean"        # float32
USER_RATING_COUNT = "user_rating_count"        # int64, ratings by the user in the frame given
USER_RATING_MEAN = "user_rating_mean"          # float32
USER_FIRST_TIMESTAMP = "user_first_timestamp"  # int64, unix seconds of the user's first rating
USER_LAST_TIMESTAMP = "user_last_timestamp"    # int64, unix seconds of the user's last rating

# optional enrichment of the movies frame (movierec.data.enrichment, Kaggle "The Movies Dataset")
CAST = "cast"                          # list[str], top-billed cast names
DIRECTOR = "director"                  # str or None
CAST_SIZE = "cast_size"                # Int64
CREW_SIZE = "crew_size"                # Int64
IMDB_ID = "imdb_id"                    # str such as "tt0114814", or None

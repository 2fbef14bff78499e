"""Data-access functions for the bot, one module per kind of row: each takes a Session and never commits.

Callers own the transaction (``with factory.begin() as session:``), so one handler's writes succeed or fail
together. Writes that may race with another writer on the same key (two updates from the same user handled
at once) insert inside a SAVEPOINT and, on a unique-key collision, fall back to the row the other writer
made, so neither the caller's transaction nor the user's input is lost.
"""

from __future__ import annotations

from db.access.log import MAX_MESSAGE_TEXT, list_movie_ids, log_message, record_impressions
from db.access.questions import ask_question, end_questions, pending_questions, question_round, start_question_round
from db.access.ratings import count_ratings, delete_rating, get_ratings, list_ratings, set_rating
from db.access.tastes import (add_to_watchlist, dismiss_movie, dismissed_movie_ids, like_group, liked_groups,
                              list_watchlist, mark_not_seen, not_seen_movie_ids, remove_from_watchlist,
                              unlike_group, watchlist_movie_ids)
from db.access.users import Stats, count_rows_for_user, delete_user, get_user, stats, upsert_user

__all__ = [
    "MAX_MESSAGE_TEXT", "Stats", "add_to_watchlist", "ask_question", "count_ratings", "count_rows_for_user",
    "delete_rating", "delete_user", "dismiss_movie", "dismissed_movie_ids", "end_questions", "get_ratings",
    "get_user", "like_group", "liked_groups", "list_movie_ids", "list_ratings", "list_watchlist", "log_message",
    "mark_not_seen", "not_seen_movie_ids", "pending_questions", "question_round", "record_impressions",
    "remove_from_watchlist", "set_rating", "start_question_round", "stats", "unlike_group", "upsert_user",
    "watchlist_movie_ids",
]

"""The bot's database: ORM models (``db.models``), engine and sessions (``db.engine``), schema migrations
(``db.migrate``, scripts in ``db/migrations``) and the data-access functions the bot calls (``db.access``).

Typical start-up::

    upgrade_database(url)
    factory = make_session_factory(make_engine(url))
    with factory.begin() as session:
        access.set_rating(session, user_id, movie_id, 4.5, "message")
"""

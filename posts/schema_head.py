"""The newest migration in posts/migrations/versions (tests/test_init.py checks it is Alembic's head), in a module
of its own: the light queue listing (posts/queue_sqlite.py) checks a database is at it without SQLAlchemy."""
SCHEMA_HEAD = "0009"

"""The statuses a post and a delivery can have, without the schema (posts/models.py imports SQLAlchemy): what
``--status`` accepts and the light queue listing (posts/queue_sqlite.py) need them before, or without, the ORM."""
from __future__ import annotations

POST_STATUSES = ("draft", "approved", "done", "cancelled")
DELIVERY_STATUSES = ("pending", "sending", "retry_wait", "published", "failed", "unknown", "missed", "cancelled")

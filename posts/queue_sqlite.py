"""``loa queue`` on SQLite without SQLAlchemy: the listing of posts/listing.py's ``list_queue``, the same rows in the
same order, read with the standard library's sqlite3 (importing SQLAlchemy and its mappers costs ~0.5 s, ten times
the query).

Only an answer it is sure of: a database that is missing, at another schema revision (it would be upgraded), or
that fails in any way, an unknown campaign (its error lists the close names): ``None``, and the caller takes the
full path, which says what is wrong exactly as before. Read-only (``query_only``): nothing is ever written.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .schema_head import SCHEMA_HEAD
from .statuses import DELIVERY_STATUSES, POST_STATUSES
from .times import iso, iso_utc, zone
from .vocabulary import code_for

OPEN_POST_STATUSES = ("draft", "approved")  # as posts/listing.py: without a range or status, what is not done
SQLITE_PREFIX = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///PATH`` URL (as Config.database_url gives it: absolute); None for any other
    database, or a URL with options or escapes that only SQLAlchemy reads right."""
    if not url.startswith(SQLITE_PREFIX) or any(char in url for char in "?%#"):
        return None
    path = url[len(SQLITE_PREFIX):]
    return Path(path) if path.startswith("/") else None


def _stored(moment: dt.datetime) -> str:
    """A moment as SQLAlchemy stores a UTCDateTime in SQLite (naive UTC text), so comparing the text compares time."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _read(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)


def list_queue_sqlite(path: Path, *, busy_timeout_s: float, campaign: str | None = None,
                      since: dt.datetime | None = None, until: dt.datetime | None = None, status: str | None = None,
                      channel: str | None = None, archived: bool = False) -> list[dict[str, Any]] | None:
    """``list_queue``'s rows from the SQLite file at ``path``, or None when the full path must answer."""
    if status is not None:  # before the database, as list_queue's own check (a bad word is the user's error)
        status = code_for("status", status, where="--status")
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True, timeout=busy_timeout_s,
                                     isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        connection.execute("PRAGMA query_only = ON")
        return _list(connection, campaign=campaign, since=since, until=until, status=status, channel=channel,
                     archived=archived)
    except (sqlite3.Error, ValueError):  # locked past the timeout, damaged, not a loa database: the full path says
        return None
    finally:
        connection.close()


def _list(connection: sqlite3.Connection, *, campaign: str | None, since: dt.datetime | None,
          until: dt.datetime | None, status: str | None, channel: str | None,
          archived: bool) -> list[dict[str, Any]] | None:
    revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    if revision != [(SCHEMA_HEAD,)]:
        return None
    conditions: list[str] = []
    parameters: list[Any] = []
    if campaign is not None:
        found = connection.execute("SELECT id FROM campaigns WHERE slug = ?", (campaign,)).fetchone()
        if found is None:
            return None
        conditions.append("posts.campaign_id = ?")
        parameters.append(found[0])
    elif not archived:
        conditions.append("campaigns.archived_at IS NULL")
    if since is not None:
        conditions.append("posts.publish_at >= ?")
        parameters.append(_stored(since))
    if until is not None:
        conditions.append("posts.publish_at < ?")
        parameters.append(_stored(until))
    # the publications: corrections and take-downs are shown by `loa post show`
    delivery_join = "deliveries.post_id = posts.id AND deliveries.action = 'publish'"
    join_parameters: list[Any] = []
    if channel is not None:
        delivery_join += " AND deliveries.channel = ?"
        join_parameters.append(channel)
        conditions.append("posts.id IN (SELECT post_id FROM deliveries WHERE channel = ?)")
        parameters.append(channel)
    if status is not None:
        if status in POST_STATUSES:
            conditions.append("posts.status = ?")
            parameters.append(status)
        elif status in DELIVERY_STATUSES:
            matching = "SELECT post_id FROM deliveries WHERE status = ? AND action = 'publish'"
            parameters.append(status)
            if channel is not None:
                matching += " AND channel = ?"
                parameters.append(channel)
            conditions.append(f"posts.id IN ({matching})")
    elif since is None and until is None:
        conditions.append(f"posts.status IN ({', '.join('?' for _ in OPEN_POST_STATUSES)})")
        parameters.extend(OPEN_POST_STATUSES)
    query = (
        "SELECT posts.id, posts.title, posts.status, posts.publish_at, posts.review_comment, campaigns.slug, "
        "campaigns.timezone, deliveries.id, deliveries.channel, deliveries.status, deliveries.permalink "
        "FROM posts JOIN campaigns ON campaigns.id = posts.campaign_id "
        f"LEFT OUTER JOIN deliveries ON {delivery_join} "
        + (f"WHERE {' AND '.join(conditions)} " if conditions else "")
        + "ORDER BY posts.publish_at, posts.id"  # a post's deliveries come together; their order is set below
    )
    rows: list[dict[str, Any]] = []
    moments: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    for (post_id, title, post_status, publish_at, comment, slug, timezone, delivery_id, delivery_channel,
         delivery_status, permalink) in connection.execute(query, join_parameters + parameters):
        if not rows or rows[-1]["id"] != post_id:
            key = (publish_at, timezone)
            if key not in moments:  # posts of a week share few distinct times
                moment = _read(publish_at)
                moments[key] = (iso(moment.astimezone(zone(timezone))), iso_utc(moment))
            local, utc = moments[key]
            rows.append({"id": post_id, "campaign": slug, "title": title, "status": post_status,
                         "publish_at": local, "publish_at_utc": utc, "timezone": timezone,
                         "review_comment": comment, "deliveries": []})
        if delivery_channel is not None:
            rows[-1]["deliveries"].append((delivery_id, {"channel": delivery_channel, "status": delivery_status,
                                                         "permalink": permalink}))
    for row in rows:
        row["deliveries"] = [delivery for _, delivery in sorted(row["deliveries"], key=lambda d: d[0])]
    return rows

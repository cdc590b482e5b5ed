"""The database schema: campaigns, posts, deliveries (post x channel) and the append-only outreach log.

Times are stored as naive UTC and come back as aware UTC datetimes (``UTCDateTime``); they are shown in the
campaign's timezone only at the edges.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text,
                        UniqueConstraint, and_, false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from .statuses import DELIVERY_STATUSES, POST_STATUSES  # noqa: F401 - defined where no SQLAlchemy is needed

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A delivery in one of these will not be sent again without a human.
FINISHED_DELIVERY_STATUSES = ("published", "failed", "cancelled")
# Text of a post that reached (or may have reached) a platform must not change any more.
LOCKED_DELIVERY_STATUSES = ("published", "sending", "unknown")
# What a delivery does on its channel: the first publication, a correction in place, a take-down.
DELIVERY_ACTIONS = ("publish", "update", "delete")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive in UTC so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    theme: Mapped[str | None] = mapped_column(String(500))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    plan_ref: Mapped[str | None] = mapped_column(String(500))
    channels: Mapped[list[str]] = mapped_column(JSON)
    hashtags: Mapped[list[str]] = mapped_column(JSON)
    banner_theme: Mapped[str | None] = mapped_column(String(100))
    # channel -> channel it waits for, from the campaign file's ``after`` (config.toml may add its own)
    channel_after: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # the file's ``[campaign.organization]``: keys overriding config.toml's [organization] for this campaign
    organization: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_file: Mapped[str | None] = mapped_column(String(1000))
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # hidden from lists; still reportable
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # `loa campaign cancel`
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    posts: Mapped[list[Post]] = relationship(back_populates="campaign", order_by="Post.publish_at")

    def waits_for(self, channel: str, channels: list[str]) -> str | None:
        """The channel a post's delivery to ``channel`` waits for, if the post goes there too."""
        first = (self.channel_after or {}).get(channel)
        return first if first in channels else None


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index(None, "publish_at"),
        Index(None, "status", "publish_at"),
        Index(None, "campaign_id", "publish_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # order within the campaign (file order, then added posts)
    title: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(200))
    banner: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    publish_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped on every edit, so a sender can spot one
    # The campaign file's stable name for this post (``key = "..."``): matches it across re-imports.
    key: Mapped[str | None] = mapped_column(String(200))
    # What the campaign file said of this post at the last import: the base of the three-way merge on re-import.
    imported: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Photos besides or instead of the banner: [{"name", "media_path", "sha256", "size", "width", "height", ...}]
    images: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # Who: account names (the workspace's users; on the command line, ``--by`` or the login name). Names, not
    # foreign keys: the history must outlive a removed account.
    created_by: Mapped[str | None] = mapped_column(String(100))
    edited_by: Mapped[str | None] = mapped_column(String(100))  # the last person who changed its content
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # An approver's note when sending the post back to draft ("sửa lại đoạn 2"), shown until the next edit.
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="posts")
    # The publications, one per channel. Corrections and take-downs are deliveries too, in ``changes``.
    deliveries: Mapped[list[Delivery]] = relationship(
        primaryjoin=lambda: and_(Post.id == Delivery.post_id, Delivery.action == "publish"),
        order_by="Delivery.id", overlaps="changes,post")
    changes: Mapped[list[Delivery]] = relationship(
        primaryjoin=lambda: and_(Post.id == Delivery.post_id, Delivery.action != "publish"),
        order_by="Delivery.id", viewonly=True)

    @property
    def gone_out_on(self) -> list[str]:
        """Channels this post reached, or may have reached (being sent, outcome unknown, an answer lost)."""
        return [d.channel for d in self.deliveries if d.may_have_gone_out]

    @property
    def has_gone_out(self) -> bool:
        """Its text is frozen: no edit, reschedule, re-render or re-import may change what went out."""
        return self.status == "done" or bool(self.gone_out_on)


class Delivery(Base):
    """One post to one channel: the unit the daemon claims, retries and records."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("post_id", "channel", "action"),
        # the due-delivery lookup: status IN (pending, retry_wait) AND available_at <= now ORDER BY available_at
        Index(None, "status", "available_at"),
        Index(None, "channel", "status"),
        Index(None, "status", "published_at"),  # engagement figures: what was published in the last days
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(100))
    # publish (the first publication), update (a correction in place) or delete (a take-down): DELIVERY_ACTIONS
    action: Mapped[str] = mapped_column(String(10), default="publish", server_default="publish")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # the post's scheduled time, for on-time figures
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)  # earliest next attempt (due_at or a retry)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    wait_for: Mapped[str | None] = mapped_column(String(100))  # a channel of the same post to publish first
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(String(2000))
    last_error: Mapped[str | None] = mapped_column(Text)
    # The last attempt's outcome was ambiguous (a timeout or a reset after the request went out, a 5xx on a
    # create): the platform may hold the post. Until a lookup (``find_existing``) or a successful send settles it,
    # the delivery counts as gone out for every change, exactly like ``sending`` and ``unknown``.
    maybe_sent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship(overlaps="deliveries")

    @property
    def may_have_gone_out(self) -> bool:
        return self.status in LOCKED_DELIVERY_STATUSES or bool(self.maybe_sent)


class OutreachEntry(Base):
    """Append-only: everything that happened to a campaign, from which the office's report is built."""

    __tablename__ = "outreach_entries"
    __table_args__ = (
        Index(None, "campaign_id", "at"),
        # the report's counts per kind and channel, and the latest metrics per delivery, from the index alone (0009)
        Index(None, "campaign_id", "kind", "channel", "delivery_id"),
        Index(None, "post_id"),
        Index(None, "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    channel: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(1000))
    count: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(500))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Render(Base):
    """What a post will send, fixed at queue time: a text per channel and the banner files (with sha256).

    The daemon sends exactly these, so what the officer previewed is what goes out.
    """

    __tablename__ = "renders"
    __table_args__ = (UniqueConstraint("post_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)  # the post revision this was rendered from
    kind: Mapped[str] = mapped_column(String(20))  # "text", "banner" or "photo" (a photo copy per channel kind)
    channel: Mapped[str | None] = mapped_column(String(100))  # texts are per channel; banners are shared
    name: Mapped[str] = mapped_column(String(200))  # "portal.html", "facebook.txt", "banner-facebook.png"
    content: Mapped[str | None] = mapped_column(Text)  # the text itself
    media_path: Mapped[str | None] = mapped_column(String(500))  # banner file, relative to the media folder
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)  # bytes
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelState(Base):
    """A channel-wide pause: refused credentials (until ``loa channels check`` passes) or a rate limit (until a time).

    Paused channels keep their deliveries waiting without spending their attempts; other channels carry on.
    """

    __tablename__ = "channel_states"

    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    paused_reason: Mapped[str | None] = mapped_column(Text)  # None: not paused
    pause_kind: Mapped[str | None] = mapped_column(String(20))  # "auth" or "rate"
    paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resume_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # None with "auth": until a check passes
    last_sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


STEP_STATUSES = ("sending", "sent", "unknown")


class DeliveryStep(Base):
    """One recorded step of a delivery that goes out in several sends (an e-mail list in batches): written
    ``sending`` before the send and ``sent`` after it, so a process that resumes the delivery after a crash never
    sends a finished step again, and a step left ``sending`` (or ``unknown``: its answer was lost) is for a person to
    settle, not to repeat blindly."""

    __tablename__ = "delivery_steps"
    __table_args__ = (UniqueConstraint("delivery_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(100))  # the adapter's name for it: "batch-3"
    status: Mapped[str] = mapped_column(String(20))  # STEP_STATUSES
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what the adapter needs to resume (no secrets)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Daemon(Base):
    """One ``loa run`` process: its heartbeat tells ``loa status`` whether anything is publishing."""

    __tablename__ = "daemons"

    owner: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:token, as in delivery leases
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


USER_ROLES = ("editor", "approver", "admin")


class User(Base):
    """An account of the browser workspace. Editors write; approvers also approve, correct and take down; admins
    also manage accounts. The password is stored only as an argon2id hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser. The cookie carries a random token; only its sha256 is stored (``id``), so a copy of the
    database signs nobody in. Logging out deletes the row."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Sign-in attempts per account name and address: too many failures in a window and the next are refused."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "name", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)

"""A campaign's life cycle: cancelled (nothing more is sent), archived (out of the everyday listings, still
reportable), and back. Each change is one transaction with an outreach entry.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from .db import Database
from .errors import UserError
from .i18n import t
from .lookup import get_campaign
from .models import Delivery, Post, utcnow
from .outreach import record
from .queue import Cancellation, cancel_in_session

OPEN_POSTS = ("draft", "approved")  # posts with something still to send


@dataclass
class CampaignCancellation(Cancellation):
    slug: str = ""
    was_cancelled: bool = False  # the campaign had been cancelled before: nothing new


def open_posts(session, campaign_id: int) -> list[Post]:
    return list(session.scalars(select(Post).where(Post.campaign_id == campaign_id, Post.status.in_(OPEN_POSTS))
                                .order_by(Post.publish_at, Post.id)))


def cancel_campaign_posts(db: Database, slug: str, *, mark_campaign: bool, where: str = "SLUG",
                          now: dt.datetime | None = None, by: str | None = None) -> CampaignCancellation:
    """Cancel every post of the campaign not yet sent, with the rules of ``loa post cancel`` (a delivery that may
    have gone out becomes ``unknown`` and is named; a post being sent refuses the whole cancellation).
    ``mark_campaign``: the campaign itself is cancelled (``loa campaign cancel``), not only its posts."""
    with db.transaction() as session:
        campaign = get_campaign(session, slug, where=where)
        done = cancel_in_session(session, open_posts(session, campaign.id), by=by)
        result = CampaignCancellation(cancelled=done.cancelled, already=done.already, maybe_live=done.maybe_live,
                                      slug=campaign.slug, was_cancelled=campaign.cancelled_at is not None)
        if mark_campaign and campaign.cancelled_at is None:
            campaign.cancelled_at = now or utcnow()
            record(session, "campaign_cancelled", campaign_id=campaign.id,
                   detail={"posts": done.cancelled, "maybe_live": {str(k): v for k, v in done.maybe_live.items()}},
                   by=by)
        return result


def archive_campaign(db: Database, slug: str, *, undo: bool = False, now: dt.datetime | None = None) -> bool:
    """Archive the campaign (``undo``: bring it back). Returns False when it already was (or was not) archived.

    A campaign with posts still to send (draft or approved) or a send in flight is refused: archived, it would
    vanish from ``loa queue`` and ``loa status`` while it still publishes.
    """
    with db.transaction() as session:
        campaign = get_campaign(session, slug, where="SLUG")
        if undo:
            if campaign.archived_at is None:
                return False
            campaign.archived_at = None
            record(session, "campaign_unarchived", campaign_id=campaign.id)
            return True
        if campaign.archived_at is not None:
            return False
        waiting = session.scalar(select(func.count()).select_from(Post).where(
            Post.campaign_id == campaign.id, Post.status.in_(OPEN_POSTS)))
        sending = session.scalar(select(func.count()).select_from(Delivery).join(Post, Post.id == Delivery.post_id)
                                 .where(Post.campaign_id == campaign.id, Delivery.status == "sending"))
        if waiting or sending:
            raise UserError(t("campaign_life.err_still_open", slug=campaign.slug, count=waiting + sending),
                            where="SLUG")
        campaign.archived_at = now or utcnow()
        record(session, "campaign_archived", campaign_id=campaign.id)
        return True

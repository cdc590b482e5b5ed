"""Finding a campaign or a post by what the user typed; an unknown one is a UserError naming the argument."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import UserError
from .i18n import t
from .models import Campaign, Post


def get_campaign(session: Session, slug: str, *, where: str = "--campaign") -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise UserError(t("err.unknown_campaign", slug=slug), where=where)
    return campaign


def get_post(session: Session, post_id: int, *, where: str = "ID") -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise UserError(t("err.unknown_post", id=post_id), where=where)
    return post

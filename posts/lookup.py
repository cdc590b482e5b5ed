"""Finding a campaign or a post by what the user typed; an unknown one is a UserError naming the argument."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import UserError
from .i18n import t
from .models import Campaign, Post, User
from .suggest import unknown_name


def get_campaign(session: Session, slug: str, *, where: str = "--campaign") -> Campaign:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        slugs = session.scalars(select(Campaign.slug)).all()
        raise UserError(t("err.unknown_campaign", slug=slug) + unknown_name(slug, slugs), where=where)
    return campaign


def get_post(session: Session, post_id: int, *, where: str = "ID") -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise UserError(t("err.unknown_post", id=post_id), where=where)
    return post


def unknown_user(session: Session, name: str, *, where: str = "NAME") -> UserError:
    """No account ``name``: the accounts there are, and the closest."""
    names = session.scalars(select(User.name)).all()
    return UserError(t("users.no_such_user", name=name) + unknown_name(name, names), where=where)

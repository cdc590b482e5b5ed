"""Who may approve a post: one rule for ``loa post approve``, ``campaign import --approve`` and the workspace's
Approve button (which asks ``approval_refusal`` before offering itself)."""
from __future__ import annotations

from .errors import UserError
from .i18n import t
from .models import Post


def approval_refusal(post: Post, by: str | None, *, must_differ: bool) -> UserError | None:
    """Why ``by`` may not approve ``post`` under ``[web] approver_must_differ`` (None: they may).

    With the setting on, nobody approves a post they wrote or last changed, and an approver nobody can name (no
    ``--by``, ``LOA_USER`` or login name) cannot be told apart from its author.
    """
    if not must_differ:
        return None
    if by is None:
        return UserError(t("review.approver_unknown"), where="--by")
    if by in (post.created_by, post.edited_by):
        return UserError(t("review.own_post", id=post.id, by=by), where="ID")
    return None

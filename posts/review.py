"""Sending a post back to its author: the approver's comment ("sửa lại đoạn 2") instead of a phone call.

The post returns to draft (nothing goes out before it is approved again) with ``review_comment`` set; the comment
stays on the post until its next content edit (``queue.mark_edited``), and the outreach log keeps it for good.
"""
from __future__ import annotations

from .campaign_file import nfc
from .db import Database
from .errors import UserError
from .i18n import t
from .lookup import get_post
from .models import Post
from .outreach import record
from .plain_text import check_text
from .queue import _editable

COMMENT_MAX = 2000  # characters: a note to the author, not a second body


def _comment(text: str | None) -> str:
    value = nfc(check_text(text or "", where="--comment").strip())
    if not value:
        raise UserError(t("review.comment_needed"), where="--comment")
    if len(value) > COMMENT_MAX:
        raise UserError(t("review.comment_too_long", most=COMMENT_MAX, length=len(value)), where="--comment")
    return value


def send_back(db: Database, post_id: int, *, comment: str | None, by: str | None) -> Post:
    """Return an approved (or draft) post to draft with the approver's comment. Refused, as for an edit, once
    the post has gone out (or is cancelled); the comment is required."""
    text = _comment(comment)
    with db.transaction() as session:
        post = get_post(session, post_id)
        _editable(post)
        was = post.status
        post.status, post.review_comment = "draft", text
        record(session, "sent_back", campaign_id=post.campaign_id, post=post,
               detail={"comment": text, "from": was}, by=by)
        return post

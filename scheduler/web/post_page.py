"""A post's page (``/posts/<id>``): what each channel will receive (the stored renders), the banner and photos, the
history with the approver's comments, the deliveries and changes with their links, and the actions the user's role
allows. Every action calls the function the CLI calls (``loa post approve|send-back|cancel|correct|unpublish``,
``loa retry``, ``loa publish``); a ``UserError`` is shown on the page with the CLI's words (HTTP 422)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, send_file, url_for

from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.listing import post_record
from loa.posts.models import Render
from loa.posts.render.stored import preview_files

from . import workspace
from .auth import current_user, require_role
from .stored_uploads import keep_upload

blueprint = Blueprint("post", __name__)


def by() -> str | None:
    """Who a change is recorded under: the signed-in account's name (as ``--by`` on the command line)."""
    user = current_user()
    return user.name if user else None


def _capability() -> Callable[[str, str], bool]:
    from loa.scheduler.dispatch import channel_supports

    config = workspace().config
    return lambda channel, action: channel_supports(config, channel, action)


def _moment(text: str | None) -> str:
    return dt.datetime.fromisoformat(text).strftime("%d/%m/%Y %H:%M") if text else "–"


def _record(post_id: int) -> dict[str, Any]:
    from loa.scheduler.views import kind_label

    with workspace().database.session() as session:
        record = post_record(session, post_id)
    for entry in record["history"]:
        entry["label"] = kind_label(entry["kind"])
        entry["when"] = _moment(entry["at"])
        entry["comment"] = (entry["detail"] or {}).get("comment") if entry["kind"] == "sent_back" else None
    record["when"] = _moment(record["publish_at"])
    record["approved_when"] = _moment(record["approved_at"]) if record.get("approved_at") else None
    return record


def _page(post_id: int, *, error: str | None = None, where: str | None = None, status: int = 200,
          correcting: dict[str, str] | None = None) -> Any:
    record = _record(post_id)
    try:
        files = sorted(preview_files(workspace().database, post_id, workspace().renderer),
                       key=lambda f: f.kind != "text")  # the texts first, then the banners
        render_error = None
    except UserError as exc:  # a post that cannot be rendered (a font lacks a character...) still shows
        files, render_error = [], str(exc)
    channels = workspace().config.channel_names
    template = "post_correct.html" if correcting is not None else "post.html"
    return render_template(template, post=record, files=files, render_error=render_error, error=error, where=where,
                           channels=channels, form=correcting or {}), status


def _done(post_id: int, message: str) -> Any:
    if request.headers.get("HX-Request") and request.form.get("panel"):
        return render_template("attention.html", panel_message=message)
    flash(message)
    return redirect(url_for("post.show", post_id=post_id))


def _act(post_id: int, action: Callable[[], str]) -> Any:
    """Run ``action`` (it returns the CLI's message); a refusal shows its message, and nothing changed."""
    try:
        message = action()
    except UserError as exc:
        if request.headers.get("HX-Request") and request.form.get("panel"):
            # htmx swaps no 4xx answer (its default responseHandling): the refusal must reach the panel to be seen;
            # the header says it was refused all the same
            response = make_response(render_template("attention.html", panel_error=str(exc)))
            response.headers["X-Loa-Refused"] = "422"
            return response
        return _page(post_id, error=str(exc), where=exc.where, status=422)
    return _done(post_id, message)


@blueprint.route("/posts/<int:post_id>")
def show(post_id: int) -> Any:
    return _page(post_id)


@blueprint.route("/posts/<int:post_id>/media/<name>")
def media(post_id: int, name: str) -> Any:
    """A banner or photo the post will send (stored render), or one of its photos (``photo-N``)."""
    ws = workspace()
    media_dir: Path = ws.renderer.settings.media_dir
    relative = None
    with ws.database.session() as session:
        if name.startswith("photo-") and name[6:].isdigit():
            record = post_record(session, post_id)
            index = int(name[6:])
            if index < len(record["images"]):
                relative = record["images"][index].get("media_path")
        else:
            from sqlalchemy import select

            row = session.scalar(select(Render).where(Render.post_id == post_id, Render.name == name,
                                                      Render.kind != "text"))
            relative = row.media_path if row is not None else None
    if not relative:
        abort(404)
    path = (media_dir / relative).resolve()
    if not path.is_relative_to(media_dir.resolve()) or not path.is_file():
        abort(404)
    return send_file(path, max_age=3600)


@blueprint.route("/posts/<int:post_id>/approve", methods=["POST"])
@require_role("approver")
def approve(post_id: int) -> Any:
    from loa.posts.queue import approve_posts

    def action() -> str:
        approved, already = approve_posts(workspace().database, [post_id], by=by(),
                                          must_differ=workspace().config.document.web.approver_must_differ)
        if already:
            return t("msg.already_approved", ids=post_id)
        return t("msg.approved", count=len(approved), ids=post_id)
    return _act(post_id, action)


@blueprint.route("/posts/<int:post_id>/send-back", methods=["POST"])
@require_role("approver")
def send_back(post_id: int) -> Any:
    from loa.posts.review import send_back as core

    def action() -> str:
        core(workspace().database, post_id, comment=request.form.get("comment"), by=by())
        return t("review.sent_back", id=post_id)
    return _act(post_id, action)


@blueprint.route("/posts/<int:post_id>/cancel", methods=["POST"])
def cancel(post_id: int) -> Any:
    from loa.posts.queue import cancel_posts

    def action() -> str:
        result = cancel_posts(workspace().database, [post_id], by=by())
        if result.maybe_live:
            return t("msg.cancel_maybe_live", id=post_id, channels=", ".join(result.maybe_live[post_id]))
        if result.already:
            return t("msg.already_cancelled", ids=post_id)
        return t("msg.cancelled", count=1, ids=post_id)
    return _act(post_id, action)


def _channel() -> str | None:
    return request.form.get("channel") or None


@blueprint.route("/posts/<int:post_id>/retry", methods=["POST"])
@require_role("approver")
def retry(post_id: int) -> Any:
    from loa.posts.queue import retry_deliveries

    def action() -> str:
        channels = retry_deliveries(workspace().database, post_id, channel=_channel(), by=by())
        return t("msg.retry_queued", id=post_id, channels=", ".join(channels))
    return _act(post_id, action)


@blueprint.route("/posts/<int:post_id>/publish", methods=["POST"])
@require_role("approver")
def publish(post_id: int) -> Any:
    from loa.scheduler.dispatch import publish_post

    def action() -> str:
        from loa.scheduler.outcomes import outcome_text

        outcomes = publish_post(workspace().database, workspace().config, post_id, channel=_channel())
        return " ".join(outcome_text(workspace().database, outcome) for outcome in outcomes)
    return _act(post_id, action)


@blueprint.route("/posts/<int:post_id>/unpublish", methods=["POST"])
@require_role("approver")
def unpublish(post_id: int) -> Any:
    from loa.posts.corrections import unpublish_post

    def action() -> str:
        result = unpublish_post(workspace().database, post_id, can=_capability(), channel=_channel(), by=by())
        message = t("fix.taken_down", id=post_id, channels=", ".join(result.channels))
        if result.stopped:
            message += " " + t("fix.stopped", channels=", ".join(result.stopped))
        return message
    return _act(post_id, action)


CORRECT_FIELDS = ("title", "body", "banner_headline", "banner_subline")


@blueprint.route("/posts/<int:post_id>/correct", methods=["GET", "POST"])
@require_role("approver")
def correct(post_id: int) -> Any:
    from loa.posts.corrections import correct_post

    if request.method == "GET":
        record = _record(post_id)
        banner = record["banner"] or {}
        form = {"title": record["title"], "body": record["body"], "banner_headline": banner.get("headline") or "",
                "banner_subline": banner.get("subline") or ""}
        return _page(post_id, correcting=form)
    form = {name: request.form.get(name, "") for name in CORRECT_FIELDS}
    try:
        ws = workspace()
        limit = ws.renderer.settings.max_image_bytes
        photos = [keep_upload(f, where="images", limit=limit) for f in request.files.getlist("images") if f.filename]
        images: list[Path | str] | None = None
        if request.form.get("no_images"):
            images = []
        elif photos:
            images = [p for p in photos if p is not None]
        result = correct_post(ws.database, post_id, can=_capability(),
                              title=form["title"].replace("\r\n", "\n"), body=form["body"].replace("\r\n", "\n"),
                              banner_headline=form["banner_headline"] or None,
                              banner_subline=form["banner_subline"] or None,
                              images=images, renderer=ws.renderer, by=by())
    except UserError as exc:
        return _page(post_id, error=str(exc), where=exc.where, status=422, correcting=form)
    return _done(post_id, t("fix.corrected", id=post_id,
                            fields=", ".join(t(f"merge.field_{f}") for f in result.changed),
                            channels=", ".join(result.channels)))

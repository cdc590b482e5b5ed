"""The editor: a new post, a post changed, its photos, and the live preview beside the form.

Saving calls ``add_post`` / ``edit_post`` (the functions behind ``loa post add`` / ``loa post edit``) in one
transaction, with the same checks and words; an error is shown beside its field with HTTP 422 and nothing changed.
The preview renders with the same ``Renderer`` as ``loa preview`` (posts/render/preview.py) and stores nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from loa.posts.errors import UserError
from loa.posts.lookup import get_post
from loa.posts.models import Campaign, Post
from loa.posts.queue import add_post, edit_post
from loa.posts.render.artefacts import PostContent
from loa.posts.render.sizes import PRINT, SCREEN
from loa.posts.render.preview import cached_banner, digest, message, preview_post
from loa.posts.times import parse_when, zone

from . import workspace
from .auth import current_user
from .editor_form import EditorForm, field_of, shown_error, uploaded_photos

blueprint = Blueprint("editor", __name__)


def _campaigns() -> list[Campaign]:
    with workspace().database.session() as session:
        rows = session.scalars(select(Campaign).order_by(Campaign.start_date.desc(), Campaign.slug)).all()
        session.expunge_all()
    return [c for c in rows if getattr(c, "status", "active") != "cancelled"]


def _templates() -> list[str]:
    """The templates an officer can choose: every named template of a configured channel's kind."""
    ws = workspace()
    kinds = set(ws.renderer.settings.kinds.values())
    names = set()
    for path in ws.renderer.text.env.list_templates():
        kind, _slash, file = path.partition("/")
        if kind in kinds and file.endswith(".j2"):
            names.add(file.split(".", 1)[0])
    return sorted(names)


def _themes() -> list[tuple[str, str]]:
    from loa.posts.render.themes import list_themes

    return [(th.slug, th.spec.name) for th in list_themes(workspace().renderer.settings.themes_dir)]


def _page(form: EditorForm, *, post: Post | None, errors: dict[str, str], status: int = 200) -> Any:
    ws = workspace()
    user = current_user()
    assert user is not None
    page = render_template(
        "editor.html", form=form, post=post, errors=errors, campaigns=_campaigns() if post is None else [],
        channels=ws.config.channel_names, templates=_templates(), themes=_themes(), sizes=[*SCREEN, *PRINT],
        may_keep=post is not None and post.status == "approved" and user.may("approver"))
    return page, status


def _failed(error: UserError, form: EditorForm, post: Post | None) -> Any:
    place = field_of(error, form)
    return _page(form, post=post, errors={place: shown_error(error, place)}, status=422)


@blueprint.route("/posts/new", methods=["GET", "POST"])
def new() -> Any:
    ws = workspace()
    user = current_user()
    assert user is not None
    if request.method == "GET":
        slug = request.args.get("campaign", "")
        form = EditorForm(campaign=slug)
        chosen = next((c for c in _campaigns() if c.slug == slug), None)
        form.channels = list(chosen.channels) if chosen is not None and chosen.channels else ws.config.channel_names
        day = request.args.get("day", "")
        try:
            form.at = f"{dt.date.fromisoformat(day):%Y-%m-%d} 08:00" if day else ""
        except ValueError:
            form.at = ""
        return _page(form, post=None, errors={})
    form = EditorForm.from_request()
    try:
        with uploaded_photos() as uploads:
            change = add_post(ws.database, campaign=form.campaign, at=form.at, title=form.title, body=form.body,
                              known_channels=ws.config.channel_names, channels=form.channels,
                              banner_headline=form.banner_headline.strip() or None,
                              banner_subline=form.banner_subline.strip() or None,
                              template=form.template or None, images=uploads or None, renderer=ws.renderer,
                              by=user.name, banner_theme=form.banner_theme.strip() or None,
                              banner_sizes=form.banner_sizes or None)
    except UserError as error:
        return _failed(error, form, None)
    return redirect(f"/posts/{change.post.id}", code=303)


def _post(post_id: int) -> Post:
    with workspace().database.session() as session:
        try:
            post = get_post(session, post_id)
        except UserError:
            abort(404)
        post.campaign, post.deliveries  # noqa: B018 - loaded before the session closes
        session.expunge_all()
    return post


@blueprint.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
def edit(post_id: int) -> Any:
    ws = workspace()
    user = current_user()
    assert user is not None
    post = _post(post_id)
    if request.method == "GET":
        return _page(EditorForm.of_post(post), post=post, errors={})
    form = EditorForm.from_request(post)
    if form.keep_approval and not user.may("approver"):
        abort(403)  # only an approver keeps an approval through a change
    banner = bool(post.banner) or bool(form.banner_headline.strip())  # else no banner part is sent
    photos_changed = form.removed or [p["sha256"] for p in form.photos] != [p["sha256"] for p in post.images or []]
    try:
        with uploaded_photos() as uploads:
            images = [*form.kept_photos, *uploads] if photos_changed or uploads else None
            edit_post(ws.database, post_id, known_channels=ws.config.channel_names, title=form.title,
                      body=form.body, at=None if form.at.strip() == form.original_at else form.at,
                      channels=form.channels,
                      banner_headline=form.banner_headline if banner else None,
                      banner_subline=form.banner_subline if banner else None,
                      banner_theme=form.banner_theme if banner else None,
                      banner_sizes=form.banner_sizes if banner else None,
                      template=form.template, keep_approval=form.keep_approval, images=images,
                      renderer=ws.renderer, by=user.name)
    except UserError as error:
        return _failed(error, form, post)
    return redirect(f"/posts/{post_id}", code=303)


@blueprint.route("/posts/preview", methods=["POST"])
def preview() -> Any:
    """The editor's fields → each channel's text as rendered, its counts, the banner (htmx swaps it in)."""
    ws = workspace()
    post_id = request.form.get("post_id", type=int)
    post = _post(post_id) if post_id else None
    form = EditorForm.from_request(post)
    errors: dict[str, str] = {}
    with ws.database.session() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.slug == form.campaign))
        session.expunge_all()
    if campaign is None:
        return render_template("editor_preview.html", preview=None, banner=None, errors=errors)
    moment = post.publish_at if post is not None else dt.datetime.now(zone(campaign.timezone))
    if form.at.strip():
        try:
            moment = parse_when(form.at, zone(campaign.timezone), where="--at")
        except UserError as error:
            errors["at"] = message(error)
    banner = dict(post.banner or {}) if post is not None else {}
    if form.banner_headline.strip():
        banner.update(headline=form.banner_headline.strip(), subline=form.banner_subline.strip() or None,
                      theme=form.banner_theme.strip() or None, sizes=form.banner_sizes or None)
    elif not banner:
        banner = {}
    content = PostContent(post.id if post else 0, post.revision if post else 1, form.title.strip(), form.body.strip(),
                          moment, form.template or None, banner or None,
                          [c for c in form.channels if c], form.kept_photos or None)
    shown = preview_post(ws.renderer, content, campaign)
    if shown.banner_error:
        errors["banner_headline"] = shown.banner_error
    if shown.template_error:
        errors["template"] = shown.template_error
    over = [c.error for c in shown.channels if c.error]
    if over:
        errors["body"] = over[0]
    # a URL of its content: typing in the body sends the same URL, and the browser shows the image it has
    image = url_for("editor.preview_banner", token=digest(shown.banner)) if shown.banner else None
    return render_template("editor_preview.html", preview=shown, banner=image, errors=errors)


@blueprint.route("/posts/<int:post_id>/photos/<sha256>")
def photo(post_id: int, sha256: str) -> Any:
    """A photo the post holds (its cleaned copy, by content): only one the post names, never a path from the URL."""
    from flask import send_file

    post = _post(post_id)
    found = next((p for p in post.images or [] if p["sha256"] == sha256), None)
    if found is None:
        abort(404)
    path = workspace().renderer.settings.media_dir / found["media_path"]
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=found.get("mime") or "image/jpeg", max_age=86400)


@blueprint.route("/preview/banner/<token>.jpg")
def preview_banner(token: str) -> Any:
    """A banner drawn for a recent preview (kept in memory a short while; never written to disk)."""
    data = cached_banner(token)
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=600"
    return response

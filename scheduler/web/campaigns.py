"""Campaigns (``/campaigns``): the list with counts (as ``loa campaign list``), a new campaign from a form, and a
campaign file uploaded, shown as the reviewed change (``loa campaign diff``) before ``apply`` imports it
(``loa campaign import``). The uploaded file is kept under var/uploads/ by its sha256, never its own name."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from loa.posts.campaign_file import load_campaign_file
from loa.posts.campaign_new import campaign_text
from loa.posts.campaigns import MergeConflicts, diff_campaign, import_campaign
from loa.posts.errors import UserError
from loa.posts.files import write_content_addressed
from loa.posts.i18n import t
from loa.posts.listing import list_campaigns

from . import workspace
from .post_page import by
from .stored_uploads import keep_upload, kept_upload, uploads_dir

blueprint = Blueprint("campaigns", __name__)
MAX_CAMPAIGN_BYTES = 2 * 1024 * 1024  # a campaign file is text: a year of posts is a few hundred KB


def _shown(error: UserError, path: Path, name: str | None) -> str:
    """The loader's message, naming the file as the person knows it (its uploaded name), or, for the form, with no
    file at all: the kept copy's path under var/uploads/ means nothing to them."""
    message = str(error)
    if name:
        return message.replace(str(path), Path(name).name)
    return re.sub(rf"^{re.escape(str(path))}(:\d+)?: ", "", message)


def _load(path: Path) -> Any:
    config = workspace().config
    return load_campaign_file(path, default_timezone=config.timezone, known_channels=config.channel_names)


def _list_page(*, error: str | None = None, where: str | None = None, status: int = 200,
               form: dict[str, str] | None = None) -> Any:
    archived = bool(request.args.get("archived"))
    with workspace().database.session() as session:
        campaigns = list_campaigns(session, archived=archived)
    return render_template("campaigns.html", campaigns=campaigns, archived=archived, error=error, where=where,
                           form=form or {}, channels=workspace().config.channel_names), status


@blueprint.route("/campaigns")
def index() -> Any:
    return _list_page()


@blueprint.route("/campaigns/new", methods=["GET", "POST"])
def new() -> Any:
    if request.method == "GET":
        return _list_page()
    form = {key: request.form.get(key, "") for key in ("slug", "name", "start", "end", "theme")}
    chosen = request.form.getlist("channels")
    text = campaign_text(slug=form["slug"], name=form["name"], start=form["start"], end=form["end"],
                         channels=chosen, theme=form["theme"])
    data = text.encode()
    import hashlib

    digest = hashlib.sha256(data).hexdigest()
    path = uploads_dir() / f"{digest}.toml"
    try:
        write_content_addressed(path, data, digest)
        campaign = _load(path)
        result = import_campaign(workspace().database, campaign, renderer=workspace().renderer, by=by(),
                                 must_differ=workspace().config.document.web.approver_must_differ)
    except UserError as exc:
        return _list_page(error=_shown(exc, path, None), where=exc.where, status=422,
                          form={**form, "channels": ",".join(chosen)})
    flash(t("msg.imported", slug=result.slug, queued=result.queued, approved=result.approved))
    return redirect(url_for("campaigns.index"))


def _review(path: Path, prefer: str | None, name: str) -> tuple[dict[str, Any], Any]:
    from loa.scheduler.plan_view import plan_lines

    campaign = _load(path)
    plan = diff_campaign(workspace().database, campaign, prefer=prefer,  # type: ignore[arg-type]
                         photos=workspace().renderer.photos).as_json()
    plan["file"] = name
    return plan, plan_lines(plan)


def _name() -> str:
    """The uploaded file's own name, for people to recognise (shown escaped; never used as a path)."""
    upload = request.files.get("file")
    name = upload.filename if upload is not None and upload.filename else request.form.get("name", "")
    return Path(name.replace("\\", "/")).name[:200] or "campaign.toml"


def _prefer() -> str | None:
    prefer = request.form.get("prefer") or None
    return prefer if prefer in ("file", "queue") else None


@blueprint.route("/campaigns/upload", methods=["POST"])
def upload() -> Any:
    path = None
    try:
        path = keep_upload(request.files.get("file"), where="file", limit=MAX_CAMPAIGN_BYTES)
        assert path is not None
        if path.suffix != ".toml":
            raise UserError(t("webpost.not_a_campaign_file"), where="file")
        plan, lines = _review(path, _prefer(), _name())
    except UserError as exc:
        message = _shown(exc, path, _name()) if path is not None else str(exc)
        return _list_page(error=message, where=exc.where, status=422)
    return render_template("campaign_review.html", plan=plan, lines=lines, digest=path.stem, prefer=_prefer(),
                           name=_name())


@blueprint.route("/campaigns/upload/apply", methods=["POST"])
def apply() -> Any:
    digest = request.form.get("file", "")
    try:
        path = kept_upload(digest, ".toml")
        campaign = _load(path)
        # "apply" on the reviewed plan is the person's --replace: they saw what merging the file changes
        result = import_campaign(workspace().database, campaign, prefer=_prefer(),  # type: ignore[arg-type]
                                 replace=bool(request.form.get("replace")),
                                 renderer=workspace().renderer, by=by(),
                                 must_differ=workspace().config.document.web.approver_must_differ)
    except MergeConflicts as refused:
        from loa.scheduler.plan_view import plan_lines

        plan = {**refused.plan.as_json(), "file": _name()}
        return render_template("campaign_review.html", plan=plan, lines=plan_lines(plan), digest=digest,
                               prefer=_prefer(), name=_name(),
                               error=str(refused).replace(str(uploads_dir() / f"{digest}.toml"), _name())), 422
    except UserError as exc:
        return _list_page(error=str(exc).replace(str(uploads_dir()) + "/", ""), where=exc.where, status=422)
    message = t("msg.imported", slug=result.slug, queued=result.queued, approved=result.approved)
    if result.plan is not None and not result.plan.new_campaign:
        message += " " + t("merge.done", changed=result.changed, cancelled=result.cancelled,
                           published=len(result.plan.of("published")), kept=len(result.plan.of("keep")))
    flash(message)
    return redirect(url_for("campaigns.index"))

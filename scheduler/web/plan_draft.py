"""A new campaign from a plan (``/campaigns/plan``): the officer uploads the plan document (Kế hoạch) as DOCX, PDF,
text or Markdown, sees what ``loa campaign draft`` found in it (each fact with the plan's line) and what it could not
find, edits the drafted campaign file in the page, and then goes through the same review and ``apply`` as an uploaded
campaign file (campaigns.py): the draft is never imported without being reviewed.

The plan is kept under var/uploads/ by its sha256 with the suffix of its kind, never under its own name; the edited
text is kept the same way (``<sha256>.toml``), so the page can always be shown again with her edits, and ``apply``
finds it by its hash as it finds an uploaded campaign file."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage

from loa.posts.errors import UserError
from loa.posts.files import write_content_addressed
from loa.posts.i18n import t

from . import workspace
from .campaigns import _review, _shown
from .plan_facts import default_channels, draft_of_plan, fact_rows, missing_rows, unfilled_placeholder
from .stored_uploads import kept_upload, uploads_dir

blueprint = Blueprint("plan_draft", __name__)
MAX_PLAN_BYTES = 20 * 1024 * 1024  # a 20-page plan with a scanned signature is a few MB; more is not a plan
# the kinds the reader understands, by the uploaded name's suffix; what the plan is kept as
PLAN_SUFFIXES = {".docx": ".docx", ".pdf": ".pdf", ".txt": ".txt", ".md": ".md", ".markdown": ".md"}
PLAN_ID = re.compile(r"^[0-9a-f]{64}\.(docx|pdf|txt|md)$")
# the edited campaign file: a drafted week is ~20 KB; Flask refuses any form field over 500 KB with a bare 413, so the
# limit stays under it and the page can say so with her text kept
MAX_TEXT_BYTES = 400 * 1024
DIGEST = re.compile(r"^[0-9a-f]{64}$")
LINE_OF_WHERE = re.compile(r":(\d+)(?::\d+)?$")


def _uploaded_name(raw: str | None) -> str:
    """The plan's own name, for people to recognise (shown escaped; never used as a path)."""
    name = Path((raw or "").replace("\\", "/")).name[:200]
    return name or "ke-hoach.docx"


def keep_plan(upload: FileStorage | None) -> Path:
    """The uploaded plan kept as var/uploads/<sha256>.<kind>: its kind checked first, then its size."""
    if upload is None or not upload.filename:
        raise UserError(t("webpost.upload_missing"), where="file")
    suffix = PLAN_SUFFIXES.get(Path(upload.filename).suffix.lower())
    if suffix is None:
        raise UserError(t("plan_web.wrong_kind", name=_uploaded_name(upload.filename)), where="file")
    data = upload.stream.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise UserError(t("webpost.upload_too_large", most=MAX_PLAN_BYTES // (1024 * 1024)), where="file")
    if not data.strip():
        raise UserError(t("webpost.upload_empty"), where="file")
    digest = hashlib.sha256(data).hexdigest()
    target = uploads_dir() / f"{digest}{suffix}"
    write_content_addressed(target, data, digest)
    return target


def kept_plan(plan_id: str) -> Path:
    """A plan kept earlier, found again by ``<sha256>.<kind>``: nothing else in the address is trusted."""
    path = uploads_dir() / plan_id
    if not PLAN_ID.match(plan_id) or not path.is_file():
        raise UserError(t("plan_web.plan_gone"), where="file")
    return path


def _chosen_channels() -> list[str]:
    """The channels ticked on the upload form (``[draft] channels`` or all when none was sent); unknown names
    dropped, so a forged address cannot name a channel the project does not have."""
    known = workspace().config.channel_names
    sent = [name for value in request.values.getlist("channels") for name in value.split(",") if name]
    chosen = [name for name in known if name in sent]
    return chosen or default_channels()


def _plain(message: str, path: Path, name: str) -> str:
    """A reader's message naming the plan as she knows it, not as it is kept under var/uploads/."""
    return message.replace(str(path), name).replace(str(uploads_dir()) + "/", "")


def _upload_page(*, error: str | None = None, status: int = 200) -> Any:
    return render_template("plan_draft.html", draft=None, error=error, channels=workspace().config.channel_names,
                           chosen=_chosen_channels()), status


def _draft_page(plan_path: Path, name: str, *, text: str | None = None, error: str | None = None,
                error_line: int | None = None, status: int = 200) -> Any:
    """What was found, what is missing, and the campaign file to edit (her own text when she has one)."""
    channels = _chosen_channels()
    try:
        draft = draft_of_plan(plan_path, channels=channels)
    except UserError as exc:
        return _upload_page(error=_plain(str(exc), plan_path, name), status=422)
    text = draft.toml if text is None else text
    needed, optional = missing_rows(draft)
    lines = text.split("\n")
    shown_line = lines[error_line - 1] if error_line and 0 < error_line <= len(lines) else None
    return render_template("plan_draft.html", draft=draft, name=name, plan_id=plan_path.name, text=text,
                           found=fact_rows(draft), missing=needed, optional=optional, error=error, error_line=error_line,
                           shown_line=shown_line, channels=workspace().config.channel_names, chosen=channels,
                           text_rows=min(max(len(lines) + 2, 20), 60)), status


@blueprint.route("/campaigns/plan", methods=["GET", "POST"])
def upload() -> Any:
    if request.method == "GET":
        return _upload_page()
    upload_file = request.files.get("file")
    name = _uploaded_name(upload_file.filename if upload_file is not None else None)
    path = None
    try:
        path = keep_plan(upload_file)
        draft_of_plan(path, channels=_chosen_channels())  # a file that is not a plan is refused here, not later
    except UserError as exc:
        message = _plain(str(exc), path, name) if path is not None else str(exc)
        return _upload_page(error=message, status=422)
    # the drafted page has its own address: a reload shows it again instead of sending the file twice
    return redirect(url_for("plan_draft.draft", plan_id=path.name, name=name, channels=",".join(_chosen_channels())))


@blueprint.route("/campaigns/plan/<plan_id>")
def draft(plan_id: str) -> Any:
    name = _uploaded_name(request.args.get("name"))
    try:
        plan_path = kept_plan(plan_id)
        text = None
        edited = request.args.get("text", "")
        if edited:  # back from the review: her edited file, kept by its hash
            text = kept_upload(edited if DIGEST.match(edited) else "", ".toml").read_text(encoding="utf-8")
    except UserError as exc:
        return _upload_page(error=str(exc), status=422)
    return _draft_page(plan_path, name, text=text)


def _campaign_name(plan_name: str) -> str:
    """What the review and its messages call the edited file: the plan's name with .toml."""
    return f"{Path(plan_name).stem or 'ke-hoach'}.toml"


@blueprint.route("/campaigns/plan/<plan_id>/review", methods=["POST"])
def review(plan_id: str) -> Any:
    name = _uploaded_name(request.form.get("name"))
    try:
        plan_path = kept_plan(plan_id)
    except UserError as exc:
        return _upload_page(error=str(exc), status=422)
    # browsers send a textarea's line ends as CRLF; the file keeps the plain ones the draft was written with
    text = request.form.get("text", "").replace("\r\n", "\n")
    data = text.encode("utf-8")
    if len(data) > MAX_TEXT_BYTES:
        return _draft_page(plan_path, name, text=text, status=422,
                           error=t("plan_web.text_too_long", most=MAX_TEXT_BYTES // 1024))
    if not text.strip():
        return _draft_page(plan_path, name, text=text, error=t("plan_web.text_empty"), status=422)
    unfilled = unfilled_placeholder(text)
    if unfilled is not None:
        return _draft_page(plan_path, name, text=text, error=t("plan_web.unfilled", line=unfilled[0]),
                           error_line=unfilled[0], status=422)
    digest = hashlib.sha256(data).hexdigest()
    path = uploads_dir() / f"{digest}.toml"
    shown_name = _campaign_name(name)
    try:
        write_content_addressed(path, data, digest)
        plan, lines = _review(path, None, shown_name)
    except UserError as exc:
        found = LINE_OF_WHERE.search(exc.where or "")
        return _draft_page(plan_path, name, text=text, error=_shown(exc, path, shown_name), status=422,
                           error_line=int(found.group(1)) if found else None)
    back = url_for("plan_draft.draft", plan_id=plan_id, name=name, text=digest,
                   channels=",".join(_chosen_channels()))
    return render_template("plan_review.html", plan=plan, lines=lines, digest=digest, prefer=None, name=shown_name,
                           back=back)

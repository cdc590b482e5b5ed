"""The home page: the week at a glance (Monday to Sunday, a card per post), the month with counts per day, moving a
card to another day or time (``loa post reschedule``'s rules: ``posts.queue.reschedule_post``), and the cards'
thumbnails.

The blueprint keeps the name ``home`` (``url_for('home.week')`` is the workspace's home link everywhere).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, redirect, render_template, request, send_file

from loa.posts.calendar_view import campaign_choices, day_counts, post_thumb, range_posts
from loa.posts.errors import UserError
from loa.posts.i18n import t
from loa.posts.queue import reschedule_post
from loa.posts.times import parse_date, week_range, zone

from . import workspace
from .auth import current_user
from .errors import error_page
from .thumbs import thumbnail

blueprint = Blueprint("home", __name__)

# a delivery's state → the mark's class and a sign, so the state is not told by colour alone
MARKS = {"published": ("ok", "✓"), "pending": ("wait", "·"), "sending": ("busy", "↑"), "retry_wait": ("warn", "↻"),
         "failed": ("bad", "✗"), "unknown": ("warn", "?"), "missed": ("warn", "!"), "cancelled": ("off", "–")}


def _today() -> dt.date:
    return dt.datetime.now(zone(workspace().config.timezone)).date()


def _campaign_arg() -> str | None:
    return request.args.get("campaign") or request.form.get("campaign") or None


def _link(path: str, **args: Any) -> str:
    args = {key: value for key, value in args.items() if value}
    return path + ("?" + urlencode(args) if args else "")


def _card(row: dict[str, Any]) -> dict[str, Any]:
    """A ``range_posts`` row as a card shows it."""
    at = dt.datetime.fromisoformat(row["publish_at"])
    clock = "%H:%M:%S" if at.second else "%H:%M"
    marks = []
    for delivery in row["deliveries"]:
        kind, sign = MARKS.get(delivery["status"], ("wait", "·"))
        marks.append({"channel": delivery["channel"], "kind": kind, "sign": sign,
                      "state": t(f"status.{delivery['status']}"), "link": delivery["permalink"]})
    thumb = row.get("thumb")
    return {"id": row["id"], "title": row["title"], "status": row["status"], "campaign": row["campaign"],
            "at": at, "day": at.date().isoformat(), "clock": at.strftime(clock), "time": at.strftime("%H:%M:%S"),
            "when_text": at.strftime(f"%d/%m/%Y {clock}"), "timezone": row["timezone"],
            "comment": row.get("review_comment"), "marks": marks,
            # offered while the post is still to go out; whether it may move is reschedule_post's to say
            "movable": row["status"] in ("draft", "approved"),
            "thumb": f"/posts/{row['id']}/thumb?v={thumb['sha256'][:16]}" if thumb else None}


def card_words() -> dict[str, Any]:
    """What every card says the same way, looked up once per page rather than once per card."""
    from loa.posts.models import POST_STATUSES

    from .auth import csrf_token

    words: dict[str, Any] = {key: t(f"week.{key}") for key in ("comment_mark", "channels", "move", "move_at",
                                                               "move_submit")}
    words["move_hint"] = t("week.move_hint", timezone="{timezone}")
    words["status"] = {status: t(f"status.{status}") for status in POST_STATUSES}
    words["token"] = csrf_token()
    return words


def _week_context(day: dt.date, campaign: str | None, errors: dict[int, str] | None = None) -> dict[str, Any]:
    ws = workspace()
    tz = zone(ws.config.timezone)
    first, last = week_range(day)
    since = dt.datetime.combine(first, dt.time(), tz)
    until = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
    with ws.database.session() as session:
        rows = range_posts(session, since, until, campaign=campaign)
        choices = campaign_choices(session)
    today = _today()
    days = [{"date": first + dt.timedelta(days=n), "cards": []} for n in range(7)]
    for row in rows:
        card = _card(row)
        card["error"] = (errors or {}).get(card["id"])
        index = (card["at"].date() - first).days
        days[min(max(index, 0), 6)]["cards"].append(card)
    for entry in days:
        entry.update(iso=entry["date"].isoformat(), today=entry["date"] == today,
                     add=_link("/posts/new", campaign=campaign, day=entry["date"].isoformat()),
                     label=f"{t('weekday.' + str(entry['date'].weekday()))}", short=entry["date"].strftime("%d/%m"))
    return {"first": first, "last": last, "days": days, "count": len(rows), "campaign": campaign, "L": card_words(),
            "campaigns": choices, "this_week": first <= today <= last,
            "prev": _link("/", day=(first - dt.timedelta(days=7)).isoformat(), campaign=campaign),
            "next": _link("/", day=(first + dt.timedelta(days=7)).isoformat(), campaign=campaign),
            "today_link": _link("/", campaign=campaign),
            "month_link": _link("/month", month=f"{first:%Y-%m}", campaign=campaign)}


@blueprint.route("/")
def week() -> Any:
    wanted = request.args.get("day")
    day = parse_date(wanted, where="day") if wanted else _today()
    return render_template("week.html", **_week_context(day, _campaign_arg()))


def _month_start(text: str | None) -> dt.date:
    if not text:
        return _today().replace(day=1)
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise UserError(t("week.bad_month", value=text), where="month") from None


@blueprint.route("/month")
def month() -> Any:
    ws = workspace()
    start = _month_start(request.args.get("month"))
    campaign = _campaign_arg()
    end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    first, _ = week_range(start)
    _, last = week_range(end)
    with ws.database.session() as session:
        counts = day_counts(session, first, last, ws.config.timezone, campaign=campaign)
        choices = campaign_choices(session)
    today = _today()
    weeks = []
    for monday in (first + dt.timedelta(days=7 * n) for n in range(((last - first).days + 1) // 7)):
        cells = []
        for day in (monday + dt.timedelta(days=n) for n in range(7)):
            by_status = counts.get(day, {})
            cells.append({"date": day, "in_month": day.month == start.month, "today": day == today,
                          "total": sum(by_status.values()), "drafts": by_status.get("draft", 0),
                          "link": _link("/", day=day.isoformat(), campaign=campaign)})
        weeks.append(cells)
    previous = (start - dt.timedelta(days=1)).replace(day=1)
    following = end + dt.timedelta(days=1)
    return render_template(
        "month.html", start=start, weeks=weeks, campaign=campaign, campaigns=choices,
        total=sum(sum(c.values()) for d, c in counts.items() if start <= d <= end),
        prev=_link("/month", month=f"{previous:%Y-%m}", campaign=campaign),
        next=_link("/month", month=f"{following:%Y-%m}", campaign=campaign),
        today_link=_link("/month", campaign=campaign), week_link=_link("/", day=start.isoformat(), campaign=campaign))


def _one_card(post_id: int) -> dict[str, Any] | None:
    """The card of one post as the week shows it (None: cancelled, or not there)."""
    from loa.posts.models import Post

    ws = workspace()
    with ws.database.session() as session:
        at = session.get(Post, post_id)
        if at is None:
            return None
        moment = at.publish_at
        rows = [r for r in range_posts(session, moment, moment + dt.timedelta(seconds=1)) if r["id"] == post_id]
    return _card(rows[0]) if rows else None


def _message(error: UserError) -> str:
    """The ``UserError``'s words without the CLI's argument name (``WHEN: …``, ``ID: …``)."""
    text = str(error)
    prefix = f"{error.where}: " if error.where else ""
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


@blueprint.route("/posts/<int:post_id>/move", methods=["POST"])
def move(post_id: int) -> Any:
    """``at`` as people write it ("2024-10-03 08:30", "03/10/2024 8h30", in the campaign's zone). The drag's
    script and the card's form (with ``X-Loa-Fragment: card``) get the card back; a plain form, the week."""
    ws = workspace()
    user = current_user()
    assert user is not None
    fragment = request.headers.get("X-Loa-Fragment") == "card" or bool(request.headers.get("HX-Request"))
    campaign = _campaign_arg()
    try:
        change = reschedule_post(ws.database, post_id, request.form.get("at", ""), renderer=ws.renderer,
                                 by=user.name)
    except UserError as error:
        card = _one_card(post_id)
        message = _message(error)
        if card is None:  # not on any calendar (cancelled, or no such post): the words alone
            return error_page(422, message)
        if fragment:
            card["error"] = message
            return render_template("week_card.html", card=card, L=card_words(), campaign=campaign), 422
        context = _week_context(card["at"].date(), campaign, errors={post_id: message})
        return render_template("week.html", **context), 422
    card = _one_card(post_id)
    if card is None:  # cannot happen: a moved post is not cancelled
        abort(404)
    card["notes"] = [t("msg.post_rescheduled", id=post_id, at=card["when_text"]), *change.warnings]
    if fragment:
        return render_template("week_card.html", card=card, L=card_words(), campaign=campaign)
    return redirect(_link("/", day=card["day"], campaign=campaign) + f"#post-{post_id}")


@blueprint.route("/posts/<int:post_id>/thumb")
def thumb(post_id: int) -> Any:
    """A small copy of the post's banner (or first photo); 404 when the post or its render is not there."""
    ws = workspace()
    try:
        with ws.database.session() as session:
            source = post_thumb(session, post_id)
    except UserError:
        abort(404)
    if source is None:
        abort(404)
    media_dir = ws.config.path_of(ws.config.document.render.media)
    assert media_dir is not None
    path = thumbnail(media_dir, source["media_path"], source["sha256"])
    if path is None:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=7 * 24 * 3600)
    return response

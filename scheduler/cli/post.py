"""``loa post add|show|edit|reschedule|approve|send-back|cancel``."""
from __future__ import annotations

import click

from loa.posts.i18n import t
from loa.posts.listing import post_record
from loa.posts.queue import add_post, approve_posts, cancel_posts, edit_post, reschedule_post
from loa.posts.wording import changed_fields

from . import cli
from .common import (POST_ID, App, body_file_option, body_text, by_option, echo_json, image_list, image_option,
                     json_option, pass_app, split_list, warn, who)


@cli.group("post", help="help.post")
def post_group() -> None:
    pass


def _show_change(change: object, message: str) -> None:
    for warning in change.warnings:  # type: ignore[attr-defined]
        warn(warning)
    click.echo(message)


@post_group.command("add", help="help.post_add")
@click.option("--campaign", metavar="SLUG", required=True, help="help.campaign_of_post")
@click.option("--at", "at", metavar="WHEN", required=True, help="help.at")
@click.option("--title", required=True, help="help.title")
@click.option("--body", help="help.body")
@body_file_option
@click.option("--channels", metavar="A,B", help="help.channels")
@click.option("--banner-headline", metavar="TEXT", help="help.banner_headline")
@click.option("--banner-subline", metavar="TEXT", help="help.banner_subline")
@click.option("--banner-theme", metavar="NAME", help="editor.help_banner_theme")
@click.option("--banner-sizes", metavar="A,B", help="editor.help_banner_sizes")
@click.option("--template", metavar="NAME", help="help.template")
@image_option
@click.option("--allow-past", is_flag=True, help="help.allow_past")
@by_option
@pass_app
def add_command(app: App, campaign: str, at: str, title: str, body: str | None, body_file: str | None,
                channels: str | None, banner_headline: str | None, banner_subline: str | None,
                banner_theme: str | None, banner_sizes: str | None, template: str | None,
                images: tuple[str, ...], allow_past: bool, by: str | None) -> None:
    text = body_text(body, body_file, required=True)
    assert text is not None
    _check_theme(app, banner_theme)
    change = add_post(app.database(), campaign=campaign, at=at, title=title, body=text,
                      known_channels=app.config.channel_names, channels=split_list(channels),
                      banner_headline=banner_headline, banner_subline=banner_subline, template=template,
                      allow_past=allow_past, images=images, renderer=app.renderer, by=who(by),
                      banner_theme=banner_theme, banner_sizes=split_list(banner_sizes))
    _show_change(change, t("msg.post_added", id=change.post.id))


@post_group.command("show", help="help.post_show")
@click.argument("post_id", metavar="ID", type=POST_ID)
@json_option
@pass_app
def show_command(app: App, post_id: int, as_json: bool) -> None:
    with app.database().session() as session:
        record = post_record(session, post_id)
    if as_json:
        echo_json(record)
    else:
        from loa.scheduler import views

        views.print_post(record)


@post_group.command("edit", help="help.post_edit")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--title", help="help.title")
@click.option("--body", help="help.body")
@body_file_option
@click.option("--at", "at", metavar="WHEN", help="help.at")
@click.option("--channels", metavar="A,B", help="help.channels")
@click.option("--banner-headline", metavar="TEXT", help="help.banner_headline")
@click.option("--banner-subline", metavar="TEXT", help="help.banner_subline")
@click.option("--banner-theme", metavar="NAME", help="editor.help_banner_theme")
@click.option("--banner-sizes", metavar="A,B", help="editor.help_banner_sizes")
@click.option("--template", metavar="NAME", help="help.template")
@image_option
@click.option("--no-images", is_flag=True, help="photo.help_no_images")
@click.option("--keep-approval", is_flag=True, help="help.keep_approval")
@click.option("--allow-past", is_flag=True, help="help.allow_past")
@by_option
@pass_app
def edit_command(app: App, post_id: int, title: str | None, body: str | None, body_file: str | None,
                 at: str | None, channels: str | None, banner_headline: str | None, banner_subline: str | None,
                 banner_theme: str | None, banner_sizes: str | None, template: str | None, images: tuple[str, ...],
                 no_images: bool, keep_approval: bool, allow_past: bool, by: str | None) -> None:
    body = body_text(body, body_file)
    _check_theme(app, banner_theme)
    change = edit_post(app.database(), post_id, known_channels=app.config.channel_names, title=title, body=body,
                       at=at, channels=split_list(channels), banner_headline=banner_headline,
                       banner_subline=banner_subline, template=template, keep_approval=keep_approval,
                       allow_past=allow_past, images=image_list(images, no_images), renderer=app.renderer,
                       by=who(by), banner_theme=banner_theme, banner_sizes=split_list(banner_sizes))
    _show_change(change, t("msg.post_edited", id=post_id, fields=changed_fields(change.changed),
                           status=t(f"status.{change.post.status}")))


@post_group.command("reschedule", help="help.post_reschedule")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.argument("when", metavar="WHEN")
@click.option("--allow-past", is_flag=True, help="help.allow_past")
@by_option
@pass_app
def reschedule_command(app: App, post_id: int, when: str, allow_past: bool, by: str | None) -> None:
    change = reschedule_post(app.database(), post_id, when, allow_past=allow_past, renderer=app.renderer,
                             by=who(by))
    _show_change(change, t("msg.post_rescheduled", id=post_id, at=when))


@post_group.command("approve", help="help.post_approve")
@click.argument("post_ids", metavar="ID...", type=POST_ID, nargs=-1)
@click.option("--campaign", metavar="SLUG", help="help.approve_campaign")
@by_option
@pass_app
def approve_command(app: App, post_ids: tuple[int, ...], campaign: str | None, by: str | None) -> None:
    if campaign and post_ids:
        from loa.posts.errors import UserError

        raise UserError(t("err.ids_and_campaign"), where="--campaign")
    approved, already = approve_posts(app.database(), post_ids, campaign=campaign, by=who(by),
                                      must_differ=app.config.document.web.approver_must_differ)
    click.echo(t("msg.approved", count=len(approved), ids=_ids(approved)))
    if already:
        click.echo(t("msg.already_approved", ids=_ids(already)))


@post_group.command("cancel", help="help.post_cancel")
@click.argument("post_ids", metavar="ID...", type=POST_ID, nargs=-1)
@click.option("--campaign", metavar="SLUG", help="campaign_life.help_post_cancel_campaign")
@by_option
@pass_app
def cancel_command(app: App, post_ids: tuple[int, ...], campaign: str | None, by: str | None) -> None:
    if campaign is not None:  # every post of the campaign not yet sent (the campaign itself stays open)
        from loa.posts.campaign_life import cancel_campaign_posts
        from loa.posts.errors import UserError

        if post_ids:
            raise UserError(t("err.ids_and_campaign"), where="--campaign")
        result = cancel_campaign_posts(app.database(), campaign, mark_campaign=False, where="--campaign",
                                       by=who(by))
    else:
        result = cancel_posts(app.database(), post_ids, by=who(by))
    click.echo(t("msg.cancelled", count=len(result.cancelled), ids=_ids(result.cancelled)))
    if result.already:
        click.echo(t("msg.already_cancelled", ids=_ids(result.already)))
    for post_id, channels in result.maybe_live.items():  # not a plain success: it may be live already
        click.echo(t("msg.cancel_maybe_live", id=post_id, channels=", ".join(channels)), err=True)


@post_group.command("send-back", help="review.help_send_back")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--comment", metavar="TEXT", required=True, help="review.help_comment")
@by_option
@pass_app
def send_back_command(app: App, post_id: int, comment: str, by: str | None) -> None:
    from loa.posts.review import send_back

    send_back(app.database(), post_id, comment=comment, by=who(by))
    click.echo(t("review.sent_back", id=post_id))


def _check_theme(app: App, banner_theme: str | None) -> None:
    """An unknown --banner-theme is named as the option, with the themes there are, before anything changes."""
    if banner_theme:
        from loa.posts.render.themes import named_theme

        named_theme(banner_theme, app.renderer.settings.themes_dir, where="--banner-theme")


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids)) or "-"


# post fix|unpublish (corrections and take-downs), registered with the group
from . import fix  # noqa: E402,F401

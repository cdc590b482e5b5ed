"""``loa post correct`` (đính chính) and ``loa post unpublish`` (gỡ bài): changes to what is already published."""
from __future__ import annotations

import click

from loa.posts.i18n import t

from .common import POST_ID, App, body_file_option, body_text, by_option, image_list, image_option, pass_app, who
from .post import post_group


def _capability(app: App):  # noqa: ANN202 - posts.corrections.Capability
    from loa.scheduler.dispatch import channel_supports

    return lambda channel, action: channel_supports(app.config, channel, action)


@post_group.command("correct", help="fix.help_correct")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--title", help="help.title")
@click.option("--body", help="help.body")
@body_file_option
@click.option("--banner-headline", metavar="TEXT", help="help.banner_headline")
@click.option("--banner-subline", metavar="TEXT", help="help.banner_subline")
@image_option
@click.option("--no-images", is_flag=True, help="photo.help_no_images")
@by_option
@pass_app
def correct_command(app: App, post_id: int, title: str | None, body: str | None, body_file: str | None,
                    banner_headline: str | None, banner_subline: str | None, images: tuple[str, ...],
                    no_images: bool, by: str | None) -> None:
    from loa.posts.corrections import correct_post

    request = correct_post(app.database(), post_id, can=_capability(app), title=title,
                           body=body_text(body, body_file), banner_headline=banner_headline,
                           banner_subline=banner_subline, images=image_list(images, no_images),
                           renderer=app.renderer, by=who(by))
    click.echo(t("fix.corrected", id=post_id, fields=", ".join(t(f"merge.field_{f}") for f in request.changed),
                 channels=", ".join(request.channels)))


@post_group.command("unpublish", help="fix.help_unpublish")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--channel", metavar="NAME", help="fix.help_unpublish_channel")
@by_option
@pass_app
def unpublish_command(app: App, post_id: int, channel: str | None, by: str | None) -> None:
    from loa.posts.corrections import unpublish_post

    request = unpublish_post(app.database(), post_id, can=_capability(app), channel=channel, by=who(by))
    click.echo(t("fix.taken_down", id=post_id, channels=", ".join(request.channels)))
    if request.stopped:
        click.echo(t("fix.stopped", channels=", ".join(request.stopped)))

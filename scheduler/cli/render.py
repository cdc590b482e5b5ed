"""``loa preview``, ``loa render``, ``loa banner``, ``loa themes list``: what will be sent, and one-off banners."""
from __future__ import annotations

from pathlib import Path

import click

from loa.posts.errors import UserError
from loa.posts.files import writable_target, write_atomically
from loa.posts.i18n import t

from . import cli
from .common import POST_ID, App, echo_json, json_option, pass_app, progress_bar


@cli.command("preview", help="help.preview")
@click.argument("post_id", metavar="ID", type=POST_ID)
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), help="help.out")
@pass_app
def preview_command(app: App, post_id: int, out: Path | None) -> None:
    from loa.posts.render.stored import export_preview

    paths = export_preview(app.database(), post_id, out or Path(f"loa-preview-{post_id}"), app.renderer)
    click.echo(t("msg.preview_written", count=len(paths), id=post_id))
    for path in paths:
        click.echo(f"  {path}")


@cli.command("render", help="help.render")
@click.argument("post_ids", metavar="[ID...]", type=POST_ID, nargs=-1)
@click.option("--campaign", metavar="SLUG", help="help.render_campaign")
@pass_app
def render_command(app: App, post_ids: tuple[int, ...], campaign: str | None) -> None:
    from loa.posts.render.stored import rerender_posts

    with progress_bar(t("help.render")) as progress:
        result = rerender_posts(app.database(), app.renderer, post_ids, campaign=campaign, on_progress=progress)
    click.echo(t("msg.rendered", count=result.rendered, files=result.files, skipped=len(result.skipped)))


@cli.command("banner", help="help.banner")
@click.argument("headline")
@click.option("--subline", help="help.subline")
@click.option("--kicker", help="help.kicker")
@click.option("--footer", help="help.footer")
@click.option("--theme", metavar="NAME", help="help.theme")
@click.option("--size", "size_spec", default="facebook", show_default=True, metavar="SIZE", help="help.size")
@click.option("--dpi", type=POST_ID, help="help.dpi")
@click.option("--qr", metavar="URL", help="help.qr")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="help.output")
@pass_app
def banner_command(app: App, headline: str, subline: str | None, kicker: str | None, footer: str | None,
                   theme: str | None, size_spec: str, dpi: int | None, qr: str | None, output: Path) -> None:
    from loa.posts.render.banner import BannerText, render_banner
    from loa.posts.render.sizes import parse_size
    from loa.posts.render.themes import named_theme

    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("png", "pdf"):
        raise UserError(t("err.output_extension"), where="-o")
    writable_target(output, where="-o")  # a device or a FIFO at -o is refused before any drawing
    settings = app.renderer.settings
    size = parse_size(size_spec, dpi=dpi)
    # an unknown name is told where it was written: the option, or config.toml's [render] theme
    chosen = named_theme(theme or settings.theme, settings.themes_dir,
                         where="--theme" if theme else app.config.where_of(("render", "theme")))
    agency = settings.organization.get("agency") or None
    data = render_banner(BannerText(headline, subline, kicker if kicker is not None else agency, footer, qr),
                         chosen, size, fmt=fmt)
    _write_atomically(output, data)
    click.echo(t("msg.banner_written", path=output, width=size.width, height=size.height))


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data, where="-o")
    except OSError as exc:
        raise UserError(t("err.output_unwritable", error=exc.strerror or exc), where="-o") from None


@cli.group("themes", help="help.themes")
def themes_group() -> None:
    pass


@themes_group.command("list", help="help.themes_list")
@json_option
@pass_app
def themes_list_command(app: App, as_json: bool) -> None:
    from loa.posts.render.themes import list_themes

    themes = [{"slug": th.slug, "name": th.spec.name, "description": th.spec.description, "decor": th.spec.decor,
               "folder": str(th.folder)} for th in list_themes(app.renderer.settings.themes_dir)]
    if as_json:
        echo_json({"themes": themes})
    else:
        from loa.scheduler import views

        views.print_themes(themes)

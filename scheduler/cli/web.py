"""``loa web``: serve the workspace with waitress (a production WSGI server, 4 threads) until Ctrl-C or SIGTERM."""
from __future__ import annotations

import signal
from types import FrameType

import click

from loa.posts.errors import UserError
from loa.posts.i18n import t

from . import cli
from .common import App, pass_app

THREADS = 4


@cli.command("web", help="leaks.help_web")
@click.option("--host", metavar="HOST", help="web.help_host")
@click.option("--port", type=click.IntRange(1, 65535), metavar="PORT", help="web.help_port")
@pass_app
def web_command(app: App, host: str | None, port: int | None) -> None:
    from waitress.server import create_server

    from loa.scheduler.web import create_app

    settings = app.config.document.web
    host, port = host or settings.host, port or settings.port
    app.prepare_channels()  # "check now" needs the channels' secrets: a bad secrets file is told now
    app.database()  # a missing or unreachable database is told now, not at the first page
    flask_app = create_app(app.config)
    try:
        server = create_server(flask_app, host=host, port=port, threads=THREADS, ident="loa")
    except OSError as exc:
        raise UserError(t("web.port_busy", host=host, port=port, error=exc.strerror or exc), where="--port") from exc
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(t("web.serving", url=f"http://{shown_host}:{server.effective_port}"), err=False)  # type: ignore[attr-defined]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
    click.echo(t("web.stopped"))

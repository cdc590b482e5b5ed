"""E-mail publishing benchmark (`make bench`): loa's path against a bare smtplib loop, on a real local SMTP server.

N posts with banners go to 120 staff in batches of 50 through what `loa publish` and the daemon run (claim, adapter
with its recorded batch steps, record) in one process; then a bare smtplib loop makes the same SMTP calls (one
connection with STARTTLS and a login per post, one MAIL/RCPT/DATA per batch, the same banner inline) for N posts.
The ratio is loa's overhead. Target: at most 10% over the bare calls.
"""
from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.smtp import SmtpServer  # noqa: E402

from publish import campaign_file as shared_campaign_file  # noqa: E402
from posts.campaign_file import load_campaign_file  # noqa: E402
from posts.campaigns import import_campaign  # noqa: E402
from posts.db import open_database  # noqa: E402
from scheduler.cli.common import App  # noqa: E402
from scheduler.dispatch import publish_post  # noqa: E402

POSTS = 20
STAFF = [f"canbo{n:03d}@so.gov.vn" for n in range(1, 121)]
BATCH = 50
TARGET = 0.10
USER, PASSWORD = "vanthu@so.gov.vn", "bench-password"


def campaign_file(path: Path, posts: int) -> Path:
    return shared_campaign_file(path, posts, slug="bench-email", channel="email")


def bare_message(n: int, banner: bytes) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"], message["From"], message["To"] = f"Thư {n}", USER, USER
    message.set_content(f"Nội dung thư {n}.")
    message.add_alternative(f'<p><img src="cid:b{n}@loa"></p><p>Nội dung thư {n}.</p>', subtype="html")
    message.get_payload()[1].add_related(banner, "image", "png", cid=f"<b{n}@loa>")
    return message


def main() -> None:
    server = SmtpServer(security="starttls", users={USER: PASSWORD}).start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
            config_text += (f'\n[channels.email]\nadapter = "email"\nsmtp_host = "127.0.0.1"\nport = {server.port}\n'
                            f'from = "{USER}"\nusername = "{USER}"\npassword_env = "LOA_BENCH_MAIL_PASSWORD"\n'
                            f'ca_file = "{server.cert_file}"\nbatch_size = {BATCH}\nto = {STAFF!r}\n'
                            ).replace("'", '"')
            (root / "config.toml").write_text(config_text, encoding="utf-8")
            os.environ["LOA_BENCH_MAIL_PASSWORD"] = PASSWORD
            app = App(str(root / "config.toml"))
            database = open_database(app.config.database_url, create=True)
            campaign = load_campaign_file(campaign_file(root / "c.toml", POSTS), default_timezone="Asia/Ho_Chi_Minh",
                                          known_channels=app.config.channel_names)
            import_campaign(database, campaign, approve=True, renderer=app.renderer)
            with database.session() as session:
                ids = [i for (i,) in session.execute(text("SELECT id FROM posts ORDER BY id"))]
            adapters: dict = {}  # one publisher per channel, as the daemon keeps them
            start = time.perf_counter()
            for post_id in ids:
                outcomes = publish_post(database, app.config, post_id, channel="email", adapters=adapters)
                assert outcomes[0].status == "published", outcomes
            loa_s = time.perf_counter() - start

            banners = sorted((root / "var" / "media").rglob("*.png"))
            context = ssl.create_default_context(cafile=str(server.cert_file))
            start = time.perf_counter()
            for n in range(POSTS):
                message = bare_message(n, banners[n % len(banners)].read_bytes())
                with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as smtp:
                    smtp.starttls(context=context)
                    smtp.login(USER, PASSWORD)
                    for first in range(0, len(STAFF), BATCH):
                        smtp.sendmail(USER, STAFF[first:first + BATCH], message.as_bytes())
            bare_s = time.perf_counter() - start
            database.dispose()
    finally:
        server.stop()
    overhead = loa_s / bare_s - 1
    batches = -(-len(STAFF) // BATCH)
    print(f"E-mailing {POSTS} posts with banners to {len(STAFF)} staff ({batches} batches) on a local SMTP server:")
    print(f"  loa (claim, adapter, steps, record) {loa_s:6.2f} s  ({loa_s / POSTS * 1000:.0f} ms per post)")
    print(f"  bare smtplib, same SMTP calls       {bare_s:6.2f} s  ({bare_s / POSTS * 1000:.0f} ms per post)")
    print(f"  loa's overhead {overhead:+.1%}, target <= {TARGET:.0%}: "
          f"{'target met' if overhead <= TARGET else 'TARGET MISSED'}")


if __name__ == "__main__":
    main()

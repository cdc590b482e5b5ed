"""E-mail publishing benchmark (`make bench`): loa's path against a bare smtplib loop, on a real local SMTP server.

Posts with banners go to 120 staff in batches of 50 through what `loa publish` and the daemon run (claim, adapter
with its recorded batch steps, record) in one process, and a bare smtplib loop makes the same SMTP calls (one
connection with STARTTLS and a login per post, one MAIL, 50 RCPT and one DATA per batch, the same banner inline) for
as many posts, the two taking turns in rounds; the median of the rounds' ratios is loa's overhead ("publish email").
The server runs in a process of its own, as a real one does. Target: at most 10% over the bare calls.
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


sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.smtp import SmtpServer  # noqa: E402

from publish import PER_ROUND, POSTS, LoaSide, OwnProcess, alternate, queued_posts, report  # noqa: E402

STAFF = [f"canbo{n:03d}@so.gov.vn" for n in range(1, 121)]
BATCH = 50
USER, PASSWORD = "vanthu@so.gov.vn", "bench-password"


def bare_message(n: int, banner: bytes) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"], message["From"], message["To"] = f"Thư {n}", USER, USER
    message.set_content(f"Nội dung thư {n}.")
    message.add_alternative(f'<p><img src="cid:b{n}@loa"></p><p>Nội dung thư {n}.</p>', subtype="html")
    message.get_payload()[1].add_related(banner, "image", "png", cid=f"<b{n}@loa>")
    return message


def main() -> None:
    smtp_server = OwnProcess(lambda: SmtpServer(security="starttls", users={USER: PASSWORD}),
                             lambda running: {"port": running.port, "cert_file": running.cert_file})
    with smtp_server as server:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            config_text = (Path(__file__).resolve().parent.parent / "config.toml").read_text(encoding="utf-8")
            config_text += (f'\n[channels.email]\nadapter = "email"\nsmtp_host = "127.0.0.1"\nport = {server.port}\n'
                            f'from = "{USER}"\nusername = "{USER}"\npassword_env = "LOA_BENCH_MAIL_PASSWORD"\n'
                            f'ca_file = "{server.cert_file}"\nbatch_size = {BATCH}\nto = {STAFF!r}\n'
                            ).replace("'", '"')
            os.environ["LOA_BENCH_MAIL_PASSWORD"] = PASSWORD
            app, database, ids = queued_posts(root, config_text, POSTS, slug="bench-email", channel="email")
            banners = sorted((root / "var" / "media").rglob("*.png"))
            context = ssl.create_default_context(cafile=str(server.cert_file))

            def bare(round_: int) -> float:
                start = time.perf_counter()
                for n in range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND):
                    # one message for the whole list, built and flattened once, as anyone would write it
                    message = bare_message(n, banners[n % len(banners)].read_bytes()).as_bytes()
                    with smtplib.SMTP("127.0.0.1", server.port, timeout=60) as smtp:
                        smtp.starttls(context=context)
                        smtp.login(USER, PASSWORD)
                        for first in range(0, len(STAFF), BATCH):
                            smtp.sendmail(USER, STAFF[first:first + BATCH], message)
                return time.perf_counter() - start

            loa = LoaSide(app, database, ids, "email")
            samples = alternate({"loa": loa, "bare": bare})
            database.dispose()
    batches = -(-len(STAFF) // BATCH)
    print(f"E-mailing posts with banners to {len(STAFF)} staff ({batches} batches) on a local SMTP server:")
    report("publish email", samples, loa, loa_what="claim, adapter, steps, record",
           bare_what="smtplib, same SMTP calls")


if __name__ == "__main__":
    main()

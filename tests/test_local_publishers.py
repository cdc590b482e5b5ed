"""The built-in local publishers: `static-site` (pages, index, Atom feed; idempotent, escaped) and `dry-run`."""
from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from sqlalchemy import text

from conftest import SAMPLE
from loa.posts.db import open_database
from loa.scheduler.config import load_config
from loa.scheduler.outgoing import load_outgoing
from loa.scheduler.publishers import Publisher, publishers
from loa.scheduler.publishers.static_site import StaticSitePublisher


def site(project) -> tuple[StaticSitePublisher, list]:
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    config = load_config(project.config)
    publisher = publishers()["static-site"]("portal", config.channels["portal"], base_dir=config.base_dir)
    database = open_database(config.database_url)
    with database.session() as session:
        ids = [d for (d,) in session.execute(text(
            "SELECT id FROM deliveries WHERE channel='portal' ORDER BY due_at LIMIT 3"))]
        outgoing = [load_outgoing(session, d, config.path_of(config.document.render.media), "portal") for d in ids]
    database.dispose()
    return publisher, outgoing


def test_registered_through_the_entry_point():
    assert issubclass(publishers()["static-site"], Publisher)


def test_publishes_pages_index_and_feed(project):
    publisher, outgoing = site(project)
    folder = project.root / "var" / "site"
    assert publisher.find_existing(outgoing[0]) is None
    results = [publisher.publish(o) for o in outgoing]
    assert [r.remote_id for r in results] == [o.slug for o in outgoing]
    page = (folder / "posts" / f"{outgoing[0].slug}.html").read_text(encoding="utf-8")
    assert outgoing[0].title in page and "ngày 01 tháng 10 năm 2031" in page
    banner = next(b for b in outgoing[0].banners if b.name == "banner-portal.png")  # the portal-sized one
    copied = folder / "media" / f"{banner.sha256}.png"
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == banner.sha256
    index = (folder / "index.html").read_text(encoding="utf-8")
    positions = [index.index(o.title) for o in outgoing]
    assert positions == sorted(positions, reverse=True)  # newest first
    feed = ET.parse(folder / "feed.xml").getroot()
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 3
    assert results[0].permalink.startswith("file://") and results[0].permalink.endswith(f"{outgoing[0].slug}.html")
    assert publisher.find_existing(outgoing[0]) == results[0]


def test_publishing_twice_is_one_page(project):
    publisher, outgoing = site(project)
    publisher.publish(outgoing[0])
    folder = project.root / "var" / "site"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    publisher.publish(outgoing[0])
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert after == before
    assert len(list((folder / "posts").iterdir())) == 1


def test_two_databases_never_share_a_slug(project, tmp_path):
    """A fresh loa (or a second one) publishing to the same site must not take the first one's posts for its own."""
    _, outgoing = site(project)
    other = type(project)(tmp_path / "other")
    other.root.mkdir()
    other.config.write_text(project.config.read_text(), encoding="utf-8")
    other.ok("init")
    _, theirs = site(other)
    assert outgoing[0].delivery_id == theirs[0].delivery_id and outgoing[0].slug != theirs[0].slug


def test_titles_are_escaped(project):
    publisher, outgoing = site(project)
    evil = replace(outgoing[0], title="<script>alert(1)</script>")
    publisher.publish(evil)
    folder = project.root / "var" / "site"
    for name in ("index.html", f"posts/{evil.slug}.html", "feed.xml"):
        written = (folder / name).read_text(encoding="utf-8")
        assert "<script>" not in written and "&lt;script&gt;" in written, name


def test_check_reports_an_unwritable_folder(project):
    publisher, _ = site(project)
    assert publisher.check().ok
    (project.root / "var" / "blocked").write_text("a file, not a folder")
    config = load_config(project.config)
    settings = config.channels["portal"].model_copy(update={"path": "var/blocked/site"})
    broken = StaticSitePublisher("portal", settings, base_dir=config.base_dir)
    health = broken.check()
    assert not health.ok and "var/blocked" in health.message


def test_dry_run_records_what_would_be_sent(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    config = load_config(project.config)
    publisher = publishers()["dry-run"]("facebook", config.channels["facebook"], base_dir=config.base_dir)
    database = open_database(config.database_url)
    with database.session() as session:
        delivery = session.execute(text("SELECT id FROM deliveries WHERE channel='facebook' ORDER BY due_at")).first()
        outgoing = load_outgoing(session, delivery[0], config.path_of(config.document.render.media))
    database.dispose()
    assert publisher.find_existing(outgoing) is None
    published = publisher.publish(outgoing)
    record = project.root / "var" / "dry-run" / "facebook" / f"{outgoing.slug}.json"
    assert published.remote_id == f"dry-run:{outgoing.slug}" and published.permalink == record.as_uri()
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["text"] == outgoing.text and data["title"] == outgoing.title
    assert [image["sha256"] for image in data["images"]] == [b.sha256 for b in outgoing.banners]
    assert publisher.find_existing(outgoing) == published and publisher.check().ok


def test_dry_run_request_goes_into_the_outreach_log(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    post = next(p for p in project.json("queue")["posts"] if [d["channel"] for d in p["deliveries"]] == ["portal",
                                                                                                      "facebook"])
    project.ok("publish", str(post["id"]), "--channel", "facebook")
    entry = next(h for h in project.json("post", "show", str(post["id"]))["history"] if h["kind"] == "published")
    assert entry["channel"] == "facebook" and entry["detail"]["request"]["title"] == post["title"]
    assert entry["detail"]["request"]["images"][0]["sha256"]

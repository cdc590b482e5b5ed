"""Channels by the names people read: ``[channels.X] display_name`` (or a Vietnamese name per kind) in the report,
`loa status`, the static site and the workspace; the key stays what a person types (``--channel portal``)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import campaign_toml, delivery_states, fast_daemon, make_due, queue_now
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.organization import fill_organization
from support.outreach_log import seed

from loa.scheduler.channel_names import display_name, display_names
from loa.scheduler.config import load_config

PORTAL_NAME = "Cổng thông tin điện tử Sở Khoa học và Công nghệ"
FACEBOOK_NAME = "Trang Facebook Sở KH&CN"


def name_channels(project, portal: str | None = PORTAL_NAME, facebook: str | None = FACEBOOK_NAME) -> None:
    portal_line = f"\ndisplay_name = {json.dumps(portal, ensure_ascii=False)}" if portal is not None else ""
    facebook_line = f"\ndisplay_name = {json.dumps(facebook, ensure_ascii=False)}" if facebook is not None else ""
    project.set_channel("portal", f'adapter = "static-site"\npath = "var/site"{portal_line}')
    project.set_channel("facebook", f'adapter = "dry-run"\nkind = "facebook"\npath = "var/dry-run/facebook"'
                                    f"{facebook_line}")


# ------------------------------------------------------------------------------------------------ names and defaults


def test_defaults_are_vietnamese_names_per_kind(project):
    config = load_config(project.config)
    project.ok("status")  # the language is chosen by the CLI; the defaults follow it
    from loa.posts import i18n

    i18n.set_language("vi")
    assert display_names(config) == {"portal": "Cổng thông tin điện tử", "facebook": "Trang Facebook"}
    i18n.set_language("en")
    assert display_names(config) == {"portal": "Web portal", "facebook": "Facebook Page"}
    assert display_name(config, "removed-channel") == "removed-channel"  # history of a channel no longer set up


def test_two_channels_of_one_kind_without_names_stay_distinct(project):
    from loa.posts import i18n

    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text + '\n[channels.telegram-so]\nadapter = "dry-run"\nkind = "telegram"\n'
                              '\n[channels.fb-doan]\nadapter = "dry-run"\nkind = "facebook"\n', encoding="utf-8")
    i18n.set_language("vi")
    names = display_names(load_config(project.config))
    assert names == {"portal": "Cổng thông tin điện tử", "facebook": "Trang Facebook (facebook)",
                     "telegram-so": "Kênh Telegram", "fb-doan": "Trang Facebook (fb-doan)"}
    assert len(set(names.values())) == len(names)


def test_a_display_name_is_trimmed_and_used_as_written(project):
    name_channels(project, portal="  Cổng thông tin điện tử Sở  ", facebook=None)
    config = load_config(project.config)
    assert config.channels["portal"].display_name == "Cổng thông tin điện tử Sở"
    assert display_names(config)["portal"] == "Cổng thông tin điện tử Sở"


@pytest.mark.parametrize(("value", "words"), [
    ('""', "cannot be empty"),
    ('"   "', "cannot be empty"),
    ('"Cổng\\tSở"', "one line"),
    ('"""Cổng\\nSở"""', "one line"),  # re.sub in set_channel turns it into a real line break
    (json.dumps("C" * 101), "101 characters long, at most 100"),
    ("5", "display_name"),
])
def test_a_bad_display_name_is_one_line_naming_the_channel_and_key(project, value, words):
    project.set_channel("portal", f'adapter = "static-site"\npath = "var/site"\ndisplay_name = {value}')
    message = project.fails("status")
    assert message.startswith("error: ") and "config.toml:" in message
    assert "portal" in message and "display_name" in message and words in message


def test_two_channels_may_not_share_a_display_name(project):
    name_channels(project, portal="Trang của Sở", facebook="trang của sở")
    message = project.fails("status")
    assert "facebook" in message and "display_name" in message and "portal" in message


def test_a_display_name_is_refused_in_vietnamese_by_default(project):
    project.set_channel("portal", 'adapter = "static-site"\npath = "var/site"\ndisplay_name = ""')
    message = project.fails("--lang", "vi", "status")
    assert message.startswith("lỗi: ") and "tên hiển thị của kênh không được để trống" in message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")),
                    min_size=1, max_size=100).filter(lambda s: s.strip()))
def test_any_one_line_name_up_to_100_characters_is_accepted(project, name):
    import unicodedata

    project.set_channel("portal", f'adapter = "static-site"\npath = "var/site"\n'
                                  f'display_name = {json.dumps(name, ensure_ascii=False)}')
    config = load_config(project.config)
    assert display_names(config)["portal"] == unicodedata.normalize("NFC", name.strip())


# ------------------------------------------------------------------------------------------------ where they are read


def test_the_report_names_channels_by_display_name(project):
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml("tuan-le", start=dt.date(2031, 10, 1)))),
               "--approve")
    fill_organization(project.config)
    name_channels(project, facebook=None)
    seed(project)
    path = project.root / "bao-cao.docx"
    project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(path), "--date", "2031-10-08")
    document = Document(path)
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"trên 2 kênh (Trang Facebook: 1; {PORTAL_NAME}: 2)." in text
    assert "portal:" not in text and "facebook:" not in text
    per_day = [[c.text for c in row.cells] for row in document.tables[1].rows]
    assert per_day[0][1:3] == ["Trang Facebook", PORTAL_NAME]
    links = [[c.text for c in row.cells] for row in document.tables[2].rows]
    assert {row[2] for row in links[1:]} == {"Trang Facebook", PORTAL_NAME}

    from openpyxl import load_workbook

    sheet_path = project.root / "bao-cao.xlsx"
    project.ok("--lang", "vi", "report", "--campaign", "tuan-le", "-o", str(sheet_path), "--format", "xlsx")
    workbook = load_workbook(sheet_path)
    labels = [row[0] for row in workbook["Tổng hợp"].iter_rows(values_only=True) if row and row[0]]
    assert f"Lượt tin, bài đã đăng – {PORTAL_NAME}" in labels
    assert {row[4] for row in workbook["Chi tiết"].iter_rows(min_row=2, values_only=True)} == {
        "Trang Facebook", PORTAL_NAME}


def test_status_shows_display_names_and_keeps_keys_for_commands(project):
    fast_daemon(project, grace_minutes=360)
    (project.root / "blocked").write_text("a file where the site folder should be")
    project.set_channel("portal", f'adapter = "static-site"\npath = "blocked"\ndisplay_name = "{PORTAL_NAME}"')
    failing, = queue_now(project, 1)
    make_due(project, failing)
    project.needs_a_person("run", "--until-idle")
    assert delivery_states(project)[(failing, "portal")] == "failed"
    shown = project.needs_a_person("--lang", "vi", "status", env={"COLUMNS": "200"}).stdout
    assert PORTAL_NAME in shown
    report = project.json("status")
    assert {item["channel"] for item in report["attention"]["items"]} >= {"portal"}  # JSON: the key
    assert PORTAL_NAME not in json.dumps(report, ensure_ascii=False)
    project.ok("retry", str(failing), "--channel", "portal")  # a person still types the key
    message = project.fails("retry", str(failing), "--channel", PORTAL_NAME)
    assert "--channel" in message or "channel" in message


def test_the_static_site_takes_the_display_name_as_its_title(project):
    name_channels(project, facebook=None)
    post, = queue_now(project, 1)
    project.ok("publish", str(post))
    index = (project.root / "var" / "site" / "index.html").read_text(encoding="utf-8")
    assert f"<title>{PORTAL_NAME}</title>" in index


def test_the_static_site_without_a_name_is_titled_in_vietnamese(project):
    post, = queue_now(project, 1)
    project.ok("--lang", "en", "publish", str(post))  # loa's messages in English; the public site stays Vietnamese
    index = (project.root / "var" / "site" / "index.html").read_text(encoding="utf-8")
    assert "<title>Cổng thông tin điện tử</title>" in index


def test_the_workspace_shows_display_names(web):
    from loa.scheduler.web import create_app
    from support.web import login

    name_channels(web.project)
    app = create_app(load_config(web.project.config), testing=True)
    client = app.test_client()
    login(client, "quan-tri")
    page = client.get("/channels").get_data(as_text=True)
    assert PORTAL_NAME in page and "Trang Facebook Sở KH&amp;CN" in page
    assert "<code>portal</code>" in page  # the key beside it: what the commands take
    log = client.get("/log").get_data(as_text=True)
    assert f'<option value="portal">{PORTAL_NAME}</option>' in log  # the filter sends the key

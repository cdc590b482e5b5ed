"""The log and the report in the workspace: filters, an offline activity with a photo, the exports and the report
downloaded (they open in openpyxl and python-docx), and the channels page, which never shows a secret."""
from __future__ import annotations

import datetime as dt
import html
import io

from PIL import Image

from conftest import campaign_toml
from support.organization import inline_organization


def _png(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _imported(web) -> None:
    web.project.write("c.toml", campaign_toml(posts=2, extra_campaign=inline_organization()))
    web.project.ok("campaign", "import", "c.toml")


def test_the_log_lists_entries_with_filters(web):
    _imported(web)
    web.login("bien-tap")
    page = html.unescape(web.client.get("/log").get_data(as_text=True))
    assert 'id="log"' in page and "tuan-le" in page
    only_approved = web.client.get("/log?kind=approved").get_data(as_text=True)
    assert "/posts/1" not in only_approved.split('id="log"')[1]
    bad = web.client.get("/log?from=2031-10-05&to=2031-10-01")
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)


def test_an_offline_activity_with_a_photo_is_logged_as_loa_log_add_does(web):
    _imported(web)
    web.login("bien-tap")
    response = web.post("/log/activity", {"campaign": "tuan-le", "kind": "offline", "title": "Treo băng rôn",
                                          "count": "12", "place": "Phường 1", "date": dt.date.today().isoformat(),
                                          "photo": (io.BytesIO(_png()), "anh của tôi.png")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    rows = web.project.sql("SELECT kind, title, count, place, detail FROM outreach_entries WHERE kind = 'offline'")
    assert len(rows) == 1 and rows[0][:4] == ("offline", "Treo băng rôn", 12, "Phường 1")
    assert "log-photos" in rows[0][4] and "anh" not in rows[0][4]
    # a count that is not a number: the CLI's words, beside the field, nothing written
    refused = web.post("/log/activity", {"campaign": "tuan-le", "kind": "offline", "title": "x", "count": "nhiều"})
    assert refused.status_code == 422
    message = html.unescape(refused.get_data(as_text=True)).split('class="field-error">')[1].split("<")[0]
    assert message in web.project.fails("log", "add", "--campaign", "tuan-le", "--title", "x", "--count", "nhiều")
    not_an_image = web.post("/log/activity", {"campaign": "tuan-le", "kind": "offline", "title": "x", "count": "1",
                                              "photo": (io.BytesIO(b"not a picture"), "a.png")},
                            content_type="multipart/form-data")
    assert not_an_image.status_code == 422
    assert len(web.project.sql("SELECT id FROM outreach_entries WHERE kind = 'offline'")) == 1


def test_the_log_exports_open_in_a_spreadsheet(web):
    import openpyxl

    _imported(web)
    web.login("bien-tap")
    response = web.client.get("/log/export.xlsx?campaign=tuan-le")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.active.max_row >= 3
    csv = web.client.get("/log/export.csv?campaign=tuan-le")
    assert csv.status_code == 200 and "tuan-le" in csv.get_data(as_text=True)
    assert web.client.get("/log/export.pdf").status_code == 404


def test_the_report_downloads_in_three_formats_and_the_docx_opens(web):
    import docx
    import openpyxl

    _imported(web)
    web.login("bien-tap")
    page = web.client.get("/log?campaign=tuan-le").get_data(as_text=True)
    assert "/reports/tuan-le.docx" in page and "/reports/tuan-le.xlsx" in page and "/reports/tuan-le.html" in page
    document = docx.Document(io.BytesIO(web.client.get("/reports/tuan-le.docx").data))
    assert any("Tuần lễ hưởng ứng" in p.text for p in document.paragraphs)
    openpyxl.load_workbook(io.BytesIO(web.client.get("/reports/tuan-le.xlsx").data))
    assert "<html" in web.client.get("/reports/tuan-le.html").get_data(as_text=True).lower()
    missing = web.client.get("/reports/khong-co.docx")
    assert missing.status_code == 422
    assert web.client.get("/reports/tuan-le.exe").status_code == 404


def test_the_channels_page_never_shows_a_secret(web, monkeypatch):
    secret = "EAAB-bi-mat-tuyet-doi-123456"
    web.project.set_channel("facebook", 'adapter = "facebook"\npage_id = "123456789"\ntoken_env = "LOA_FACEBOOK_TOKEN"')
    from loa.scheduler.config import load_config
    from loa.scheduler.web import create_app

    config = load_config(web.project.config)
    variables = config.channels["facebook"].secret_variables()
    assert variables
    for name in variables:
        monkeypatch.setenv(name, secret)
    client = create_app(config, testing=True).test_client()
    from support.web import login

    token = login(client, "lanh-dao")
    page = client.get("/channels").get_data(as_text=True)
    assert secret not in page and variables[0] in page and 'id="channel-portal"' in page
    checked = client.post("/channels/portal/check", data={"csrf_token": token})
    assert checked.status_code == 200 and 'id="check-result"' in checked.get_data(as_text=True)
    assert secret not in checked.get_data(as_text=True)
    editor = create_app(config, testing=True).test_client()
    editor_token = login(editor, "bien-tap")
    assert editor.post("/channels/portal/check", data={"csrf_token": editor_token}).status_code == 403


def test_a_paused_channel_shows_why_and_check_now_resumes_it(web):
    web.project.sql("INSERT INTO channel_states (channel, paused_reason, pause_kind, paused_at, updated_at) "
                    "VALUES ('portal', 'mật khẩu bị từ chối', 'auth', '2030-01-01 00:00:00', '2030-01-01 00:00:00')")
    token = web.login("lanh-dao")
    page = html.unescape(web.client.get("/channels").get_data(as_text=True))
    assert "mật khẩu bị từ chối" in page.split('id="channel-portal"')[1].split("</section>")[0]
    checked = web.client.post("/channels/portal/check", data={"csrf_token": token})
    assert checked.status_code == 200
    assert web.project.sql("SELECT paused_reason FROM channel_states WHERE channel = 'portal'") == [(None,)]
    assert web.client.post("/channels/khong-co/check", data={"csrf_token": token}).status_code == 404

"""Texts per channel: sandboxed templates, HTML escaping for the portal, plain text for social, limits, filters."""
from __future__ import annotations

import datetime as dt

import pytest
from conftest import campaign_toml, template_failure


def add(project, title="Khai mạc", body="Nội dung", *extra, at="2031-10-01 08:00"):
    result = project.ok("post", "add", "--campaign", "tuan-le", "--at", at, "--title", title, "--body", body, *extra)
    return int(result.stdout.split()[2])


def texts(project, post_id):
    out = project.root / f"preview-{post_id}"
    project.ok("preview", str(post_id), "--out", str(out))
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix in (".txt", ".html")}


def test_portal_is_escaped_html_and_facebook_is_plain_text(campaign):
    post_id = add(campaign, "<script>alert(1)</script> & Học", "Đoạn một <b>đậm</b>\n\nĐoạn hai")
    rendered = texts(campaign, post_id)
    html, plain = rendered["portal.html"], rendered["facebook.txt"]
    assert "<script>" not in html and "&lt;b&gt;đậm&lt;/b&gt;" in html
    assert "<p>Đoạn một &lt;b&gt;đậm&lt;/b&gt;</p>\n<p>Đoạn hai</p>" in html
    assert "Thứ Tư, ngày 01 tháng 10 năm 2031" in html
    assert "<SCRIPT>ALERT(1)</SCRIPT> & HỌC" in plain and "Đoạn một <b>đậm</b>" in plain
    assert "&lt;" not in plain and "<p>" not in plain
    assert "Ngày 1/7" in plain and "#HocTapSuotDoi" in plain


def test_vietnamese_date_filters(campaign):
    (campaign.root / "templates" / "facebook").mkdir()
    (campaign.root / "templates" / "facebook" / "ngay.txt.j2").write_text(
        "{{ post.publish_at | thu }} {{ post.publish_at | ngay }} {{ post.publish_at | ddmmyyyy }} "
        "{{ post.publish_at | gio }} {{ campaign.end | ngay }}", encoding="utf-8")
    post_id = add(campaign, "x", "y", "--template", "ngay", "--channels", "facebook", at="2031-02-03 07:05")
    assert texts(campaign, post_id)["facebook.txt"] == ("Thứ Hai ngày 03 tháng 02 năm 2031 03/02/2031 07:05 "
                                                        "ngày 07 tháng 10 năm 2031\n")


def test_named_template_applies_where_it_exists(campaign):
    post_id = add(campaign, "Hội sách", "Dài dòng", "--template", "ngan")  # facebook/ngan ships; portal has none
    rendered = texts(campaign, post_id)
    assert rendered["facebook.txt"].startswith("Hội sách\n") and "Dài dòng" not in rendered["facebook.txt"]
    assert "Dài dòng" in rendered["portal.html"]  # the portal's default article
    message = campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", "x",
                             "--body", "y", "--template", "khong-co")
    assert "khong-co" in message


UNSAFE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__.os.environ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ post.__class__ }}",
    "{{ self._TemplateReference__context }}",
]


@pytest.mark.parametrize("source", UNSAFE)
def test_unsafe_templates_are_stopped_with_a_clear_error(campaign, source):
    message = template_failure(campaign, "evil", "Xin chào\n" + source)
    assert "facebook/evil.txt.j2" in message and "unsafe" in message


def test_templates_cannot_change_shared_data(campaign):
    message = template_failure(campaign, "sua", '{{ hashtags.append("#Khac") }}{{ organization.update({"a": 1}) }}')
    assert "unsafe" in message


@pytest.mark.parametrize("source", ["{{ 1 / 0 }}", "{{ post.body | ngay }}", "{{ post.title | truncate(-5) }}"])
def test_template_runtime_errors_are_one_line_with_the_template(campaign, source):
    message = template_failure(campaign, "loi", "dòng 1\n" + source)
    assert "facebook/loi.txt.j2" in message


def test_templates_cannot_read_files(campaign):
    message = template_failure(campaign, "lfi", "{% include '../../../../etc/passwd' %}")
    assert "etc/passwd" in message and "root:" not in message


def test_template_syntax_error_names_template_and_line(campaign):
    message = template_failure(campaign, "hong", "dòng 1\ndòng 2\n{% if %}\n")
    assert "facebook/hong.txt.j2:3" in message and "syntax" in message


def test_undefined_variable_names_template_and_line(campaign):
    message = template_failure(campaign, "sai", "{{ post.title }}\n{{ post.tieu_de }}\n")
    assert "facebook/sai.txt.j2:2" in message and "tieu_de" in message


def test_user_template_overrides_the_shipped_default(campaign):
    (campaign.root / "templates" / "facebook").mkdir()
    (campaign.root / "templates" / "facebook" / "post.txt.j2").write_text("RIÊNG: {{ post.title }}")
    post_id = add(campaign, "Tựa")
    assert texts(campaign, post_id)["facebook.txt"] == "RIÊNG: Tựa\n"


def test_facebook_limit_is_checked_when_queued(campaign):
    body = "đọc sách " * 7100  # 63,900 characters, over 63,206
    before = campaign.counts()
    message = campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", "x",
                             "--body", body, "--channels", "facebook")
    assert "facebook" in message and "63,206" in message and "63,9" in message
    assert campaign.counts() == before


def test_portal_title_limit_and_limit_on_edit(campaign):
    message = campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title",
                             "T" * 201, "--body", "y", "--channels", "portal")
    assert "portal" in message and "200" in message and "201" in message
    post_id = add(campaign)
    message = campaign.fails("post", "edit", str(post_id), "--title", "T" * 250)
    assert "portal" in message and "250" in message
    assert campaign.json("post", "show", str(post_id))["title"] == "Khai mạc"


def test_telegram_and_zalo_limits(own_assets):
    text = own_assets.config.read_text()
    own_assets.config.write_text(text + '\n[channels.telegram]\nadapter = "dry-run"\nkind = "telegram"\n'
                                        '\n[channels.zalo]\nadapter = "dry-run"\nkind = "zalo"\n')
    own_assets.ok("campaign", "import", str(own_assets.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1),
                                                                                    posts=0))))
    long_title = "Tiêu đề " * 45  # 360 characters
    message = own_assets.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title",
                               long_title, "--body", "x", "--channels", "zalo")
    assert "zalo" in message and "150" in message
    message = own_assets.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title",
                               long_title * 3, "--body", "x" * 700, "--channels", "telegram",
                               "--banner-headline", "Ảnh")
    assert "telegram" in message and "caption" in message and "1,024" in message
    # without a photo the same text is a message, allowed up to 4,096
    own_assets.ok("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", long_title * 3,
                  "--body", "x" * 700, "--channels", "telegram")


def test_campaign_import_reports_limits_with_file_and_post(own_assets):
    text = campaign_toml(start=dt.date(2031, 10, 1), posts=2).replace('title = "Bài số 2"', f'title = "{"T" * 230}"')
    path = own_assets.write("c.toml", text)
    message = own_assets.fails("campaign", "import", str(path))
    assert f"{path}:18" in message and f"post 2 ({'T' * 39}…)" in message and "portal" in message and "230" in message
    assert own_assets.counts()["posts"] == 0


def test_templates_that_link_to_the_portal_work_without_a_portal_channel(project):
    """The shipped Facebook template reads ``links.portal``: an office with only a Page must still import."""
    text = project.config.read_text(encoding="utf-8")
    start = text.index("[channels.portal]")
    project.config.write_text(text[:start] + text[text.index("[channels.facebook]"):], encoding="utf-8")
    path = project.write("fb.toml", campaign_toml(posts=1).replace('["portal", "facebook"]', '["facebook"]'))
    project.ok("campaign", "import", str(path))
    post = project.json("queue")["posts"][0]
    assert [d["channel"] for d in post["deliveries"]] == ["facebook"]

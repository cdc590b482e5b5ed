"""Issue 10, items 6-8: templates stay in their folders, template operations are bounded and never run in the
daemon, and every HTML page escapes a text that is not HTML."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time

import pytest
from conftest import campaign_toml, template_failure, fast_daemon, make_due, queue_now, spawn_loa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def add(project, *extra, title="Khai mạc", body="Nội dung", channels="facebook"):
    result = project.ok("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", title,
                        "--body", body, "--channels", channels, *extra)
    return int(result.stdout.split()[2])


def texts(project, post_id):
    out = project.root / f"preview-{post_id}"
    project.ok("preview", str(post_id), "--out", str(out))
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix in (".txt", ".html")}


# -- item 6: symlinks out of the template folders ----------------------------------------------------------------------
def test_a_template_that_links_to_a_file_outside_is_template_failure(campaign, tmp_path_factory):
    secret = tmp_path_factory.mktemp("outside") / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    folder = campaign.root / "templates" / "facebook"
    folder.mkdir()
    (folder / "lo.txt.j2").symlink_to(secret)
    message = template_failure(campaign, "lo")
    assert "facebook/lo.txt.j2" in message and "outside" in message and "SECRET" not in message


def test_a_linked_folder_reached_by_include_is_template_failure(campaign, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "passwd").write_text("root:x:0:0:SECRET-LINE\n", encoding="utf-8")
    (campaign.root / "templates" / "etc").symlink_to(outside, target_is_directory=True)
    message = template_failure(campaign, "inc", "Xin chào\n{% include 'etc/passwd' %}")
    assert "etc/passwd" in message and "outside" in message and "SECRET" not in message
    # the same through a linked channel folder, and for the portal's default template via a linked root
    (campaign.root / "templates" / "facebook" / "inc.txt.j2").unlink()
    (campaign.root / "templates" / "facebook").rmdir()
    (campaign.root / "templates" / "facebook").symlink_to(outside, target_is_directory=True)
    (outside / "post.txt.j2").write_text("SECRET {{ post.title }}", encoding="utf-8")
    message = campaign.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", "x",
                             "--body", "y", "--channels", "facebook")
    assert "outside" in message and "SECRET" not in message


def test_links_that_stay_inside_the_folder_work(campaign):
    folder = campaign.root / "templates" / "facebook"
    folder.mkdir()
    (folder / "goc.txt.j2").write_text("RIÊNG {{ post.title }}", encoding="utf-8")
    (folder / "ban.txt.j2").symlink_to(folder / "goc.txt.j2")
    post_id = add(campaign, "--template", "ban", title="Tựa")
    assert texts(campaign, post_id)["facebook.txt"] == "RIÊNG Tựa\n"


def test_a_template_that_is_a_fifo_is_refused_without_hanging(campaign):
    folder = campaign.root / "templates" / "facebook"
    folder.mkdir()
    os.mkfifo(folder / "ong.txt.j2")
    assert "not a regular file" in template_failure(campaign, "ong")


# -- item 7: bounded operations -----------------------------------------------------------------------------------------
HUGE = [
    "{{ 3**(10**9) }}",
    "{{ 'a'*10**9 }}",
    "{{ [1]*10**9 }}",
    "{{ 10**4000 * 10**4000 }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ 'a'.ljust(10**9) }}",
    "{{ 'ab'.replace('', 'x'*100000) }}",
    "{{ 'a' | center(10**9) }}",
    "{{ 'ab' | replace('', 'x'*100000) }}",
    "{{ 'x' | indent('y'*10**6) }}",
    "{{ [1] | batch(10**9, 0) | list }}",
    "{{ lipsum(10**6) }}",
    "{% set a = 'x'*100000 %}{% set b = a~a~a %}{{ b }}",
    "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}{% endmacro %}{{ d('a', 60) }}",
    "{% set a = 'x'*100000 %}{% for i in range(100000) %}{{ a }}{% endfor %}",
    "{% set a = ['x'*100000] * 100 %}{{ a }}",
]


@pytest.mark.parametrize("source", HUGE)
def test_templates_that_would_grow_without_bound_are_stopped(campaign, source):
    message = template_failure(campaign, "to", source)
    assert "facebook/to.txt.j2" in message and "limit" in message


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(base=st.integers(-10**6, 10**6), exponent=st.integers(0, 10**12), times=st.integers(0, 10**12))
def test_any_power_or_repeat_is_computed_or_refused_in_one_line(campaign, base, exponent, times):
    """Whatever the numbers, the command ends quickly with a result or a one-line refusal (never a hang)."""
    folder = campaign.root / "templates" / "facebook"
    folder.mkdir(exist_ok=True)
    (folder / "so.txt.j2").write_text(f"{{{{ ({base}) ** {exponent} }}}} {{{{ 'ab' * {times} }}}}",
                                      encoding="utf-8")
    result = campaign.run("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title", "x",
                          "--body", "y", "--template", "so", "--channels", "facebook")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1 and "limit" in result.stderr


def test_ordinary_arithmetic_and_filters_still_work(campaign):
    folder = campaign.root / "templates" / "facebook"
    folder.mkdir()
    (folder / "tinh.txt.j2").write_text(
        "{{ 2**10 }} {{ '-'*5 }} {{ 'a' ~ 'b' }} {{ '%05d' % 42 }} {{ '{:>4}'.format(7) }} {{ 'x' | center(5) }}|"
        "{{ post.body | truncate(700) }} {{ [1, 2] + [3] }}", encoding="utf-8")
    post_id = add(campaign, "--template", "tinh", body="Thân")
    assert texts(campaign, post_id)["facebook.txt"] == "1024 ----- ab 00042    7   x  |Thân [1, 2, 3]\n"


def test_a_daemon_sends_the_stored_text_and_never_runs_a_template(own_assets):
    """The link of the channel a post waits for is filled into the text rendered at queue time: a template that
    would be slow or failing at send time cannot hold the daemon, which stays responsive to SIGTERM."""
    project = own_assets
    fast_daemon(project)
    folder = project.root / "templates" / "facebook"
    folder.mkdir()
    (folder / "post.txt.j2").write_text("{{ post.title }}{% if links.portal %} -> {{ links.portal }}{% endif %}",
                                        encoding="utf-8")
    post, = queue_now(project, 1, extra_campaign='after = { facebook = "portal" }')
    # from now on any template would fail: only the stored text may be sent
    (folder / "post.txt.j2").write_text("{{ 3 ** (10 ** 9) }}", encoding="utf-8")
    daemon = spawn_loa(project, "run")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        states = {c: s for c, s in project.sql("SELECT channel, status FROM deliveries WHERE post_id=?", post)}
        if states == {"portal": "published", "facebook": "published"}:
            break
        time.sleep(0.2)
    daemon.send_signal(signal.SIGTERM)
    assert daemon.wait(timeout=60) == 0
    assert states == {"portal": "published", "facebook": "published"}
    link, = project.sql("SELECT permalink FROM deliveries WHERE channel='portal'")[0]
    sent = [json.loads(p.read_text(encoding="utf-8"))
            for p in (project.root / "var" / "dry-run" / "facebook").glob("*.json")]
    assert [s["text"] for s in sent] == [f"Bài số 1 -> {link}\n"]


def test_the_link_placeholder_survives_escaping_and_case_and_counts_as_a_link(own_assets):
    project = own_assets
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text + '\n[channels.zalo]\nadapter = "dry-run"\nkind = "zalo"\n'
                                     'path = "var/dry-run/zalo"\n', encoding="utf-8")
    folder = project.root / "templates" / "zalo"
    folder.mkdir()
    (folder / "description.txt.j2").write_text("{{ post.body }} {{ links.portal | upper }}", encoding="utf-8")
    (project.root / "templates" / "portal").mkdir()
    (project.root / "templates" / "portal" / "article.html.j2").write_text(
        '<a href="{{ links.facebook }}">{{ post.body }}</a>', encoding="utf-8")
    extra = 'after = { zalo = "portal", portal = "facebook" }'
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(
        start=dt.date(2031, 10, 1), posts=0, extra_campaign=extra).replace(
        '["portal", "facebook"]', '["portal", "facebook", "zalo"]'))))
    # zalo's limit is 300 characters; a link still to come counts as 100 of them
    assert "300" in project.fails("post", "add", "--campaign", "tuan-le", "--at", "2031-10-01 08:00", "--title",
                                  "x", "--body", "b" * 199, "--channels", "portal,zalo")
    post_id = add(project, title="x", body="b" * 190, channels="portal,facebook,zalo")
    previews = texts(project, post_id)
    assert previews["zalo.txt"] == "b" * 190 + " [link of portal, once it is published]\n"
    assert previews["portal.html"].startswith('<a href="[link of facebook, once it is published]">')


def test_a_link_too_long_for_the_channel_fails_that_delivery_only(own_assets):
    project = own_assets
    fast_daemon(project)
    text = project.config.read_text(encoding="utf-8")
    project.config.write_text(text + '\n[channels.zalo]\nadapter = "dry-run"\nkind = "zalo"\n'
                                     'path = "var/dry-run/zalo"\nafter = "portal"\n', encoding="utf-8")
    project.set_channel("portal", 'adapter = "static-site"\npath = "var/' + "a" * 150 + '"')  # a long link
    folder = project.root / "templates" / "zalo"
    folder.mkdir()
    (folder / "description.txt.j2").write_text("{{ post.body }} {{ links.portal }}", encoding="utf-8")
    project.ok("campaign", "import", str(project.write("c.toml", campaign_toml(start=dt.date(2031, 10, 1),
                                                                            posts=0))))
    post = add(project, title="x", body="b" * 190, channels="portal,zalo")
    project.ok("post", "approve", str(post))
    make_due(project, post)
    project.needs_a_person("run", "--until-idle")
    states = dict(project.sql("SELECT channel, status FROM deliveries WHERE post_id=?", post))
    assert states == {"portal": "published", "zalo": "failed"}
    error, = project.sql("SELECT last_error FROM deliveries WHERE channel='zalo'")[0]
    assert "zalo" in error and "300" in error


# -- item 8: HTML writers escape plain text ---------------------------------------------------------------------------
XSS = "<img src=x onerror=alert(1)> & <script>alert(2)</script>"


def test_a_static_site_with_a_plain_text_kind_escapes_the_text(project):
    fast_daemon(project)
    project.set_channel("portal", 'adapter = "static-site"\npath = "var/site"\nkind = "facebook"')
    queue_now(project, 1, post_lines="")
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("post", "edit", str(post_id), "--title", "Tựa <b>đậm</b>", "--body", XSS)
    project.ok("post", "approve", str(post_id))
    project.ok("run", "--until-idle")
    site = project.root / "var" / "site"
    page, = (site / "posts").glob("*.html")
    for path in (page, site / "index.html", site / "feed.xml"):
        content = path.read_text(encoding="utf-8")
        assert "<img src=x" not in content and "<script>" not in content and "<b>đậm" not in content, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.read_text(encoding="utf-8")
    import xml.etree.ElementTree as ET

    ET.parse(site / "feed.xml")  # still well-formed


def test_a_portal_kind_render_is_trusted_as_escaped_html(project):
    fast_daemon(project)
    queue_now(project, 1)
    post_id = project.json("queue")["posts"][0]["id"]
    project.ok("post", "edit", str(post_id), "--body", "Đoạn một\n\n" + XSS)
    project.ok("post", "approve", str(post_id))
    project.ok("run", "--until-idle")
    page, = (project.root / "var" / "site" / "posts").glob("*.html")
    content = page.read_text(encoding="utf-8")
    assert "<p>Đoạn một</p>" in content and "<img src=x" not in content and "&lt;script&gt;" in content

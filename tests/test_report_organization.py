"""The organisation a report is signed by: placeholders in the shipped config.toml (never a real agency or person),
`loa report` and the workspace's download refusing them, and a campaign's own [campaign.organization] — stored at
import, carried by re-imports and exports, used by reports and banners."""
from __future__ import annotations

import datetime as dt
import html
import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from conftest import campaign_toml
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from loa.posts.organization import PLACEHOLDERS, is_placeholder
from loa.scheduler.config import config_template
from support.organization import CAN_THO, fill_organization, inline_organization

SLUG = "tuan-le"
START = dt.date(2031, 10, 1)
SAMPLE = Path(__file__).resolve().parent.parent / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


def line_number(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(text))


def header(path: Path) -> dict[str, object]:
    """What the DOCX header block and signature say."""
    document = Document(str(path))
    first, closing = document.tables[0], document.tables[-1]
    # the agency lines are broken between words by the report (explicit line breaks): read them as one name
    name = [first.cell(0, 0).paragraphs[n].text.replace("\n", " ") for n in (0, 1)]
    return {"parent_agency": name[0], "agency": name[1],
            "number": first.cell(1, 0).text, "date": first.cell(1, 1).text,
            "recipients": [p.text for p in closing.cell(0, 0).paragraphs[1:]],
            "signer": [p.text for p in closing.cell(0, 1).paragraphs if p.text]}


def imported(project, extra: str = "", slug: str = SLUG) -> Path:
    path = project.write(f"{slug}.toml", campaign_toml(slug, start=START, posts=1, extra_campaign=extra))
    project.ok("campaign", "import", str(path), "--approve")
    return path


# ------------------------------------------------------------------------------------------- the shipped config


def test_the_shipped_config_names_no_real_agency_or_person_and_speaks_vietnamese():
    text = config_template()
    organization = tomllib.loads(text)["organization"]
    assert organization == {"parent_agency": "TÊN CƠ QUAN CHỦ QUẢN", "agency": "TÊN CƠ QUAN",
                            "document_code": "CHỮ VIẾT TẮT TÊN CƠ QUAN", "place": "ĐỊA DANH",
                            "signer_title": "CHỨC VỤ NGƯỜI KÝ", "signer_name": "HỌ VÀ TÊN NGƯỜI KÝ",
                            "recipients": ["TÊN NƠI NHẬN"]}
    assert all(is_placeholder(value) for value in [*organization.values()][:-1] + organization["recipients"])
    for real in ("Ngô Anh Tín", "Cần Thơ", "CẦN THƠ", "sokhcn"):  # examples in comments name no real place/person
        assert real not in text, real
    # every comment of prose is Vietnamese; commented-out settings (`#   key = value  # …`) keep their names
    for line in text.splitlines():
        comment = line.partition("#")[2].strip() if line.lstrip().startswith("#") else ""
        prose = re.sub(r"^[a-z_]+ = \S+\s*(#\s*)?", "", comment)
        if prose and not prose.startswith(("[", "adapter", "url", "username")):
            assert VIETNAMESE.search(prose), f"an English comment in config.toml: {line!r}"


@given(st.sampled_from(sorted(PLACEHOLDERS.values())), st.sampled_from(["lower", "upper", "title", "same"]),
       st.sampled_from(["NFC", "NFD"]), st.sampled_from(["", " ", "  "]))
def test_a_placeholder_is_recognised_however_it_is_typed(placeholder, case, form, padding):
    typed = placeholder if case == "same" else getattr(placeholder, case)()
    typed = padding + unicodedata.normalize(form, typed.replace(" ", " " + padding)) + padding
    assert is_placeholder(typed)


@given(st.text(min_size=1, max_size=40))
def test_real_text_is_never_taken_for_a_placeholder(text):
    folded = " ".join(unicodedata.normalize("NFC", text).casefold().split())
    known = {" ".join(p.casefold().split()) for p in PLACEHOLDERS.values()}
    assert is_placeholder(text) == (folded in known)


# ------------------------------------------------------------------------------------------- refusing a report


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "html"])
def test_a_report_with_the_template_placeholders_is_refused_and_nothing_is_written(project, fmt):
    imported(project)
    before = sorted(p.name for p in project.root.rglob("*"))
    message = project.fails("--lang", "vi", "report", "--campaign", SLUG, "--format", fmt)
    line = line_number(project.config, "parent_agency = ")
    assert message == (f"lỗi: {project.config.resolve()}:{line}: [organization] parent_agency còn là chỗ trống "
                       "“TÊN CƠ QUAN CHỦ QUẢN”: hãy ghi tên cơ quan chủ quản, hoặc khai báo [campaign.organization] "
                       "trong tệp chiến dịch (các mục agency, document_code, place, recipients, signer_title, "
                       "signer_name cũng cần ghi)")
    target = project.root / f"r.{fmt}"
    assert "[organization] parent_agency" in project.fails("report", "--campaign", SLUG, "-o", str(target))
    assert sorted(p.name for p in project.root.rglob("*")) == before  # no var/reports/, no r.docx


def test_the_message_names_the_one_field_still_left(project):
    imported(project)
    fill_organization(project.config, {**CAN_THO, "signer_name": "Họ và tên người ký"})  # lower case: still it
    message = project.fails("report", "--campaign", SLUG)
    line = line_number(project.config, "signer_name = ")
    assert message == (f"error: {project.config.resolve()}:{line}: [organization] signer_name is still the "
                       "placeholder “Họ và tên người ký”: write the signer's full name, or give "
                       "[campaign.organization] in the campaign file")


def test_an_empty_field_is_refused_but_no_recipients_is_allowed(project):
    imported(project)
    fill_organization(project.config, {**CAN_THO, "place": "   ", "recipients": []})
    message = project.fails("--lang", "vi", "report", "--campaign", SLUG)
    assert f"config.toml:{line_number(project.config, 'place = ')}: [organization] place chưa được điền" in message
    assert "hãy ghi địa danh" in message and "recipients" not in message
    fill_organization(project.config, {"place": "Cần Thơ"})
    path = project.root / "r.docx"
    project.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08")
    assert header(path)["recipients"] == ["- Lãnh đạo cơ quan (để báo cáo);", "- Lưu: VT, …."]


def test_a_placeholder_in_the_campaign_file_is_named_there(project):
    path = imported(project, inline_organization({**CAN_THO, "agency": "TÊN CƠ QUAN"}))
    message = project.fails("--lang", "vi", "report", "--campaign", SLUG)
    line = line_number(path, "organization = ")
    assert message == (f"lỗi: {path}:{line}: [campaign.organization] agency còn là chỗ trống “TÊN CƠ QUAN”: "
                       "hãy ghi tên cơ quan")


def test_the_workspace_download_is_refused_with_the_message_on_the_page(web):
    web.project.write("c.toml", campaign_toml(posts=1))
    web.project.ok("campaign", "import", "c.toml")
    web.login("bien-tap")
    response = web.client.get(f"/reports/{SLUG}.docx")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "attachment" not in response.headers.get("Content-Disposition", "")
    assert "[organization] parent_agency" in page and "TÊN CƠ QUAN CHỦ QUẢN" in page
    assert "[campaign.organization]" in page


# ------------------------------------------------------------------------------------------- the campaign's own


def test_the_campaign_organization_overrides_config_key_by_key(project):
    fill_organization(project.config)
    imported(project, inline_organization({"agency": "SỞ GIÁO DỤC VÀ ĐÀO TẠO", "signer_name": "Trần Thị B"}))
    path = project.root / "r.docx"
    project.ok("--lang", "vi", "report", "--campaign", SLUG, "-o", str(path), "--date", "2031-10-08")
    assert header(path) == {
        "parent_agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "agency": "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
        "number": "Số: …/BC-SKHCN", "date": "Cần Thơ, ngày 08 tháng 10 năm 2031",
        "recipients": ["- UBND thành phố Cần Thơ (để báo cáo);", "- Ban Giám đốc Sở;",
                       "- Các phòng, đơn vị thuộc Sở;", "- Lưu: VT, …."],
        "signer": ["GIÁM ĐỐC", "Trần Thị B"]}


def test_a_complete_campaign_organization_needs_nothing_from_config(project):
    imported(project, inline_organization())  # config.toml still holds its placeholders
    for fmt in ("docx", "xlsx", "html"):
        project.ok("report", "--campaign", SLUG, "--format", fmt, "-o", str(project.root / f"r.{fmt}"))
    assert header(project.root / "r.docx")["signer"] == ["GIÁM ĐỐC", "Ngô Anh Tín"]
    assert "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in (project.root / "r.html").read_text(encoding="utf-8")


def test_an_unknown_key_of_the_campaign_organization_is_refused_with_its_line(project):
    path = project.write("c.toml", campaign_toml(SLUG, start=START, posts=1) + '\n[campaign.organization]\n'
                         'agency = "SỞ A"\nsigner = "Trần Thị B"\n')
    # [campaign.organization] after [[posts]] is TOML for the campaign table still: the file is refused either way
    message = project.fails("campaign", "import", str(path))
    assert f"{path}:" in message and "[campaign.organization]" in message and "`signer`" in message
    assert project.counts()["campaigns"] == 0
    wrong = project.write("d.toml", campaign_toml("khac", start=START, posts=0,
                                                  extra_campaign='organization = { recipients = "Sở" }'))
    message = project.fails("campaign", "import", str(wrong))
    assert f"{wrong}:" in message and "[campaign.organization] section: the recipients must be a list" in message


def test_a_reimport_carries_the_change_and_export_writes_it_back(project):
    path = imported(project, inline_organization({"agency": "SỞ A", "signer_name": "Trần Thị B"}))
    path.write_text(path.read_text(encoding="utf-8").replace("SỞ A", "SỞ B"), encoding="utf-8")
    plan = project.json("campaign", "diff", str(path))
    assert plan["campaign_changes"] == {"organization": {
        "from": {"agency": "SỞ A", "signer_name": "Trần Thị B"}, "to": {"agency": "SỞ B", "signer_name": "Trần Thị B"}}}
    shown = project.ok("--lang", "vi", "campaign", "import", str(path), "--replace").stdout
    assert "thông tin cơ quan (organization)" in shown and "SỞ A; Trần Thị B → SỞ B; Trần Thị B" in shown
    exported = project.root / "xuat.toml"
    project.ok("campaign", "export", SLUG, "-o", str(exported))
    text = exported.read_text(encoding="utf-8")
    assert '[campaign.organization]\nagency = "SỞ B"\nsigner_name = "Trần Thị B"\n' in text
    assert "Unchanged: 1 post(s)." in project.ok("campaign", "import", str(exported), "--replace").stdout
    assert project.json("campaign", "diff", str(exported))["campaign_changes"] == {}
    # a file without the table any more: the campaign speaks for config.toml's organisation again
    path.write_text(path.read_text(encoding="utf-8").replace(inline_organization(
        {"agency": "SỞ B", "signer_name": "Trần Thị B"}), ""), encoding="utf-8")
    project.ok("campaign", "import", str(path), "--replace")
    assert "organization" not in tomllib.loads(project.ok("campaign", "export", SLUG).stdout)["campaign"]
    assert "[organization] parent_agency" in project.fails("report", "--campaign", SLUG)


# ------------------------------------------------------------------------------------------- rendering


def test_texts_and_banners_carry_the_campaign_agency_and_never_a_placeholder(own_assets):
    from loa.posts.models import Campaign
    from loa.posts.render.artefacts import PostContent
    from loa.scheduler.config import load_config
    from loa.scheduler.project import build_renderer

    project = own_assets
    (project.root / "templates" / "facebook").mkdir()
    (project.root / "templates" / "facebook" / "coquan.txt.j2").write_text(
        "[{{ organization.agency }}|{{ organization.signer_name }}]", encoding="utf-8")
    imported(project, inline_organization({"agency": "SỞ RIÊNG"}), slug="rieng")
    imported(project, "", slug="chung")
    texts = {}
    for slug in ("rieng", "chung"):
        post = project.ok("post", "add", "--campaign", slug, "--at", "2031-10-02 08:00", "--title", "x", "--body",
                          "y", "--template", "coquan", "--channels", "facebook").stdout.split()[2]
        out = project.root / f"xem-{slug}"
        project.ok("preview", post, "--out", str(out))
        texts[slug] = (out / "facebook.txt").read_text(encoding="utf-8").strip()
    assert texts == {"rieng": "[SỞ RIÊNG|]", "chung": "[|]"}  # config.toml's placeholders read as empty

    renderer = build_renderer(load_config(project.config))
    content = PostContent(1, 1, "x", "y", dt.datetime(2031, 10, 2, 1, tzinfo=dt.timezone.utc), None,
                          {"headline": "Khai mạc"}, ["facebook"])

    def kicker(organization: dict | None) -> str | None:
        campaign = Campaign(slug="c", name="C", start_date=START, end_date=START, timezone="Asia/Ho_Chi_Minh",
                            channels=["facebook"], hashtags=[], organization=organization)
        return renderer.banner_jobs(content, campaign, where="-")[0].text.kicker

    assert kicker({"agency": "SỞ RIÊNG"}) == "SỞ RIÊNG"
    assert kicker(None) is None and kicker({"agency": "tên cơ quan"}) is None
    fill_organization(project.config)
    assert build_renderer(load_config(project.config)).banner_jobs(
        content, Campaign(slug="c", name="C", start_date=START, end_date=START, timezone="Asia/Ho_Chi_Minh",
                          channels=["facebook"], hashtags=[]), where="-")[0].text.kicker == "SỞ KHOA HỌC VÀ CÔNG NGHỆ"


# ------------------------------------------------------------------------------------------- the sample campaign


def test_the_sample_campaign_reports_the_can_tho_department_with_the_shipped_config(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01", "--approve")
    path = project.root / "r.docx"
    project.ok("--lang", "vi", "report", "--campaign", "hoc-tap-suot-doi-2024", "-o", str(path),
               "--date", "2031-10-08")
    assert header(path) == {
        "parent_agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ CẦN THƠ", "agency": "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "number": "Số: …/BC-SKHCN", "date": "Cần Thơ, ngày 08 tháng 10 năm 2031",
        "recipients": ["- UBND thành phố Cần Thơ (để báo cáo);", "- Ban Giám đốc Sở;",
                       "- Các phòng, đơn vị thuộc Sở;", "- Lưu: VT, …."],
        "signer": ["GIÁM ĐỐC", "Ngô Anh Tín"]}

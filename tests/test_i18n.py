"""Vietnamese by default, English on request; every string lives in one file per language."""
from __future__ import annotations

import re
from pathlib import Path

from posts.i18n import available_languages, catalogue

ROOT = Path(__file__).resolve().parent.parent


def test_every_language_has_the_same_keys():
    languages = available_languages()
    assert {"vi", "en"} <= set(languages)
    for language in languages:
        assert set(catalogue(language)) == set(catalogue("vi")), language


def test_every_key_the_code_uses_exists():
    """Literal keys in t("...") and help="..." calls; f-string keys are checked through their known values."""
    keys = set(catalogue("vi"))
    used = set()
    for path in [*ROOT.glob("posts/**/*.py"), *ROOT.glob("scheduler/**/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_0-9]+)"', text))
        used |= set(re.findall(r'help="(help\.[a-z_]+)"', text))
    assert used, "the scan found nothing: the pattern is wrong"
    assert used - keys == set()
    from posts.models import DELIVERY_STATUSES, POST_STATUSES

    assert {f"status.{s}" for s in POST_STATUSES + DELIVERY_STATUSES} <= keys


def test_help_is_vietnamese_by_default_and_english_on_request(project):
    vi = project.run("queue", "--help", env={"LOA_LANG": ""}).stdout
    assert "Cách dùng:" in vi and "Lịch đăng theo từng ngày" in vi and "Tùy chọn" in vi
    en = project.run("--lang", "en", "queue", "--help", env={"LOA_LANG": ""}).stdout
    assert "Usage:" in en and "The schedule grouped by day" in en
    assert "Usage:" in project.run("queue", "--help", env={"LOA_LANG": "en"}).stdout
    # --lang wins over the environment, wherever it stands before the command
    assert "Cách dùng:" in project.run("--lang", "vi", "--help", env={"LOA_LANG": "en"}).stdout


def test_errors_in_vietnamese_by_default(project):
    result = project.run("post", "show", "999", env={"LOA_LANG": ""})
    assert result.exit_code == 2
    assert result.stderr.strip() == "lỗi: ID: không có bài mang số 999"


def test_unknown_language_is_refused(project):
    result = project.run("--lang", "fr", "queue")
    assert result.exit_code == 2 and "--lang" in result.stderr


def test_unknown_loa_lang_falls_back_to_vietnamese(project):
    assert "Cách dùng:" in project.run("--help", env={"LOA_LANG": "xx"}).stdout

"""`loa report`'s charts drawn by a second process (scheduler/report/chart_worker.py): the same images as drawn
in-process, the same report whatever goes wrong with the worker, never a word about it, never a zombie."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import campaign_toml
from PIL import Image
from support.organization import fill_organization
from support.outreach_log import seed

from loa.scheduler.report import chart, chart_worker

SLUG = "tuan-le"


@pytest.fixture
def campaign(project):
    """A week's campaign whose log has publications and metrics: both charts are drawn."""
    path = project.write("c.toml", campaign_toml(SLUG, start=dt.date(2031, 10, 1), posts=3))
    project.ok("campaign", "import", str(path), "--approve")
    fill_organization(project.config)
    seed(project)
    return project


class Started(list):
    """The chart workers the report started (matplotlib's own fc-list, run when it builds its font cache, is not)."""

    def __init__(self) -> None:
        super().__init__()
        self.processes: list[subprocess.Popen] = []

    def refresh(self) -> Started:
        self[:] = [p for p in self.processes if tuple(p.args) == tuple(chart_worker.COMMAND)]
        return self


@pytest.fixture
def workers(monkeypatch):
    """Every chart worker the report starts, to check each was waited for (``workers.refresh()`` lists them)."""
    started = Started()

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.processes.append(self)

    monkeypatch.setattr(subprocess, "Popen", Recorded)
    return started


def make_report(project, fmt: str = "docx", *, worker: bool = True, lang: str = "vi") -> Path:
    path = project.root / f"r-{len(list(project.root.glob('r-*')))}.{fmt}"
    env = {} if worker else {chart_worker.SWITCH: "0"}
    result = project.ok("--lang", lang, "report", "--campaign", SLUG, "--format", fmt, "-o", str(path),
                        "--date", "2031-10-08", env=env)
    assert result.output.strip().splitlines() == [result.output.strip()]  # the one "written" line, nothing else
    return path


def chart_images(docx: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(docx) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("word/media/")}


def in_process_must_not_draw(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("drawn in-process although the worker answered")

    monkeypatch.setattr(chart, "draw_charts", refuse)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_worker_draws_the_same_images_as_the_report_itself(campaign, workers, monkeypatch, lang):
    reference = make_report(campaign, worker=False, lang=lang)
    assert workers.refresh() == []  # LOA_REPORT_CHART_WORKER=0: no second process
    expected = chart_images(reference)
    assert len(expected) == 2  # publications, and interactions with reach
    for png in expected.values():
        assert Image.open(io.BytesIO(png)).size == (945, 390)  # 6.3 x 2.6 in at 150 dpi: decodes, full size
    in_process_must_not_draw(monkeypatch)
    drawn_by_worker = make_report(campaign, lang=lang)
    assert chart_images(drawn_by_worker) == expected
    assert len(workers.refresh()) == 1 and workers.refresh()[0].returncode == 0


def test_the_html_report_is_the_same_with_the_worker(campaign, workers, monkeypatch):
    reference = make_report(campaign, "html", worker=False).read_bytes()
    in_process_must_not_draw(monkeypatch)
    assert make_report(campaign, "html").read_bytes() == reference
    assert [w.returncode for w in workers.refresh()] == [0]


def test_the_xlsx_report_starts_no_worker(campaign, workers):
    make_report(campaign, "xlsx")
    assert workers.refresh() == []


SCRIPTS = {
    "exits at once": "import sys; sys.exit(3)",
    "answers garbage": "import sys; sys.stdin.buffer.read(4); sys.stdout.write('not a chart')",
    "answers a truncated image": "import sys, struct; h = b'{\"engagement\": null}'; sys.stdout.buffer.write("
                                 "struct.pack('>I', len(h)) + h + struct.pack('>I', 1000) + b'\\x89PNG\\r\\n\\x1a\\n')",
    "answers images that are not PNG": "import sys, struct; m = [b'{\"engagement\": null}', b'GIF89a']; "
                                       "sys.stdout.buffer.write(b''.join(struct.pack('>I', len(x)) + x for x in m))",
    "dies after the request": "import os, sys; sys.stdin.buffer.read(8); os.kill(os.getpid(), 9)",
    "never answers": "import time; time.sleep(60)",
}


@pytest.mark.parametrize("behaviour", sorted(SCRIPTS))
def test_a_failing_worker_gives_the_same_report_silently(campaign, workers, monkeypatch, behaviour):
    expected = chart_images(make_report(campaign, worker=False))
    monkeypatch.setattr(chart_worker, "COMMAND", (sys.executable, "-c", SCRIPTS[behaviour]))
    monkeypatch.setattr(chart_worker, "TIMEOUT_S", 1.0)
    assert chart_images(make_report(campaign)) == expected  # drawn in-process; make_report: nothing said
    assert len(workers.refresh()) == 1 and workers.refresh()[0].returncode is not None  # waited for: no zombie
    if behaviour == "never answers":
        assert workers.refresh()[0].returncode == -9  # killed once the timeout passed


def test_a_worker_that_cannot_start_gives_the_same_report_silently(campaign, workers, monkeypatch, tmp_path):
    expected = chart_images(make_report(campaign, worker=False))
    monkeypatch.setattr(chart_worker, "COMMAND", (str(tmp_path / "no-such-python"), "-m", "x"))
    assert chart_images(make_report(campaign)) == expected


def test_the_worker_is_stopped_and_waited_for_when_the_report_is_refused(campaign, workers):
    folder = campaign.root / "a-folder.docx"
    folder.mkdir()
    error = campaign.fails("report", "--campaign", SLUG, "-o", str(folder))
    assert "a-folder.docx" in error
    error = campaign.fails("report", "--campaign", "no-such-campaign", "--format", "html", "-o", "x.html")
    assert "no-such-campaign" in error
    assert len(workers.refresh()) == 2 and all(w.returncode is not None for w in workers.refresh())


def test_the_worker_ignores_modules_in_the_working_directory(tmp_path):
    """A user's own json.py or timeit.py next to their config must not stand in for the standard library's."""
    for name in ("json", "timeit", "struct", "matplotlib"):
        (tmp_path / f"{name}.py").write_text("raise SystemExit('the wrong module')\n", encoding="utf-8")
    request = {"language": "en", "grain": "day", "channels": ["portal"], "names": {"portal": "Portal"},
               "periods": [{"label": "01/10/2031", "per_channel": {"portal": 2}, "interactions": 5, "reach": None}]}
    done = subprocess.run(chart_worker.COMMAND, input=chart_worker.frame(json.dumps(request).encode()),
                          capture_output=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    posts, engagement = chart_worker.images_from_answer(done.stdout)
    assert engagement is not None and engagement[1:] == (True, False)  # interactions only: no reach reported
    assert Image.open(io.BytesIO(posts)).format == "PNG"


def test_write_report_called_without_a_worker_starts_and_reaps_its_own(campaign, workers, monkeypatch):
    """The workspace's download (scheduler/web/log_page.py) calls write_report directly."""
    from loa.posts.db import open_database
    from loa.scheduler.config import load_config
    from loa.scheduler.report import write_report

    expected = chart_images(make_report(campaign, worker=False))
    in_process_must_not_draw(monkeypatch)
    database = open_database(f"sqlite:///{campaign.db_path}")
    try:
        written = write_report(database, SLUG, "docx", campaign.root / "direct.docx", load_config(campaign.config),
                               dt.date(2031, 10, 8))
    finally:
        database.dispose()
    assert chart_images(written) == expected
    assert [w.returncode for w in workers.refresh()] == [0]


def test_the_loa_program_says_its_line_and_ends_at_once(campaign):
    """The real program, as a user runs it: after the report is written and the worker reaped, the process ends
    without the interpreter's teardown (scheduler/cli/__init__.py main); its line is still printed, its exit code 0."""
    output = campaign.root / "program.docx"
    done = subprocess.run([str(Path(sys.executable).with_name("loa")), "--config", str(campaign.config), "report",
                           "--campaign", SLUG, "-o", str(output), "--date", "2031-10-08"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout == f"Report written: {output}\n"
    assert chart_images(output) == chart_images(make_report(campaign, worker=False, lang="en"))
    refused = subprocess.run([str(Path(sys.executable).with_name("loa")), "--config", str(campaign.config), "report",
                              "--campaign", "khong-co", "-o", str(output)], capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stdout == "" and refused.stderr.count("\n") == 1

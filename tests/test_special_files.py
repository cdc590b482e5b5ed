"""Special and oversized files: loa reads regular files only, within its limits, and never writes over a device.

`-o` (and `--out`) refuse anything that exists and is not a regular file; `campaign import`, `--config` and
`--photo` refuse a FIFO or a device at once (never hang, never read /dev/zero until memory runs out) and a file over
its size limit; a photo over the themes' pixel limit is a one-line error, not a Pillow warning.
"""
from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from conftest import SAMPLE

LOA = str(Path(sys.executable).with_name("loa"))
MiB = 1024 * 1024


def special(kind: str, path: Path) -> Path:
    """A FIFO, or a character device node that behaves like /dev/zero (we run as root in the test image)."""
    if kind == "fifo":
        os.mkfifo(path)
    else:
        try:
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # 1:5 is /dev/zero
        except PermissionError:
            pytest.fail("creating a device node needs root (the test image runs as root)")
    return path


def is_special(path: Path) -> bool:
    mode = os.lstat(path).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def loa_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """loa in a process of its own with 1 GiB of memory at most: a read that never ends fails instead of
    swapping the machine, and a read that blocks ends with the timeout instead of hanging the suite."""
    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024 * MiB, 1024 * MiB))

    environment = {**os.environ, "LOA_LANG": "en"}
    environment.pop("LOA_CONFIG", None)
    try:
        return subprocess.run([LOA, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120,
                              preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"loa {' '.join(args)} did not finish: it waits on a file it should have refused")


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    return lines[0]


# -- -o never replaces a device or a FIFO ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_banner_output_is_never_a_device_or_fifo(project, kind):
    target = special(kind, project.root / "out.png")
    message = project.fails("banner", "Tuần lễ học tập suốt đời", "-o", str(target))
    assert "-o" in message and "not a regular file" in message
    assert is_special(target)
    assert not list(project.root.glob(".loa-tmp-*"))


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_log_export_output_is_never_a_device_or_fifo(project, kind):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    target = special(kind, project.root / "log.csv")
    message = project.fails("log", "export", "--format", "csv", "-o", str(target))
    assert "-o" in message and "not a regular file" in message
    assert is_special(target)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_report_output_is_never_a_device_or_fifo(project, kind):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    target = special(kind, project.root / "report.html")
    message = project.fails("report", "--campaign", "hoc-tap-suot-doi-2024", "--format", "html", "-o", str(target))
    assert "-o" in message and "not a regular file" in message
    assert is_special(target)


def test_preview_never_writes_over_a_fifo(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    out = project.root / "preview"
    project.ok("preview", "1", "--out", str(out))
    written = sorted(out.iterdir())
    victim = written[0]
    victim.unlink()
    special("fifo", victim)
    message = one_line_error(loa_process("preview", "1", "--out", str(out), cwd=project.root))  # never blocks
    assert "--out" in message and "not a regular file" in message
    assert is_special(victim)


def test_a_symlink_to_a_regular_file_is_written_through(project, tmp_path):
    """The refusal is about special files: a link to a regular file keeps working, and stays a link."""
    real = tmp_path / "real.png"
    real.write_bytes(b"old")
    link = project.root / "link.png"
    link.symlink_to(real)
    project.ok("banner", "Học tập suốt đời", "-o", str(link))
    assert link.is_symlink() and real.read_bytes().startswith(b"\x89PNG")


# -- reads: regular files only, bounded ------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_campaign_import_refuses_a_fifo_or_device_at_once(project, kind):
    source = special(kind, project.root / "plan.toml")
    message = one_line_error(loa_process("campaign", "import", str(source), cwd=project.root))
    assert "plan.toml" in message and "not a regular file" in message
    assert project.counts()["posts"] == 0


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_config_that_is_a_fifo_or_device_is_refused(project, kind):
    config = special(kind, project.root / "other.toml")
    message = one_line_error(loa_process("--config", str(config), "queue", cwd=project.root))
    assert "other.toml" in message and "not a regular file" in message


def test_campaign_file_over_the_limit_is_refused(project):
    big = project.root / "big.toml"
    with open(big, "wb") as stream:  # sparse: costs no disk
        stream.truncate(32 * MiB + 1)
    message = project.fails("campaign", "import", str(big))
    assert "big.toml" in message and "32 MiB" in message
    assert project.counts()["posts"] == 0


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_photo_that_is_a_fifo_or_device_is_refused(project, kind):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    photo = special(kind, project.root / "photo.jpg")
    before = project.counts()["outreach_entries"]
    message = one_line_error(loa_process("log", "add", "--campaign", "hoc-tap-suot-doi-2024", "--kind", "note",
                                         "--title", "Ảnh", "--photo", str(photo), cwd=project.root))
    assert "--photo" in message and "not a regular file" in message
    assert project.counts()["outreach_entries"] == before
    assert not (project.root / "var" / "media" / "log-photos").exists()


def test_photo_over_the_byte_limit_is_refused(project):
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    photo = project.root / "huge.jpg"
    with open(photo, "wb") as stream:
        stream.truncate(50 * MiB + 1)
    message = project.fails("log", "add", "--campaign", "hoc-tap-suot-doi-2024", "--kind", "note", "--title", "Ảnh",
                            "--photo", str(photo))
    assert "--photo" in message and "50 MiB" in message


def test_a_100_megapixel_photo_is_refused_like_a_theme_image(project):
    """Between 1x and 2x Pillow's limit Pillow only warns; loa refuses it in one line, as it does for themes."""
    project.ok("campaign", "import", str(SAMPLE), "--start", "2031-10-01")
    photo = project.root / "bomb.png"
    Image.new("1", (10_000, 10_000)).save(photo)  # 100 megapixels in a few kilobytes
    before = project.counts()["outreach_entries"]
    result = project.run("log", "add", "--campaign", "hoc-tap-suot-doi-2024", "--kind", "note", "--title", "Ảnh",
                         "--photo", str(photo))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--photo" in lines[0] and "megapixels" in lines[0]
    assert "DecompressionBomb" not in result.output
    assert project.counts()["outreach_entries"] == before
    assert not (project.root / "var" / "media" / "log-photos").exists()

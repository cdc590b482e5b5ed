"""The wheel carries everything loa reads at run time: locales, fonts, themes, templates, the sample, migrations."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_the_data_files(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, timeout=300)
    wheel = next(tmp_path.glob("loa-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        template = archive.read("assets/config.toml").decode("utf-8")
    for required in ("assets/locales/vi.toml", "assets/locales/en.toml",
                     "assets/campaigns/hoc-tap-suot-doi-2024.toml", "posts/migrations/env.py",
                     "posts/migrations/script.py.mako", "posts/migrations/versions/0001_initial.py",
                     "posts/migrations/versions/0002_renders.py", "scheduler/cli/__init__.py",
                     "assets/fonts/BeVietnamPro-ExtraBold.ttf", "assets/fonts/OFL.txt", "assets/channel_kinds.toml",
                     "assets/themes/khuyen-hoc/theme.toml", "assets/themes/hanh-chinh/theme.toml",
                     "assets/themes/khoa-hoc/theme.toml", "assets/templates/portal/article.html.j2",
                     "assets/templates/facebook/post.txt.j2"):
        assert required in names, required
    assert template == (ROOT / "config.toml").read_text(encoding="utf-8")  # the file itself, not a symlink
    assert not any(name.startswith(("tests/", "bench/")) for name in names)

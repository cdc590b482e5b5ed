"""The README's pictures of what goes to the print shop and to the director, made by loa's own commands:

- a street banner (``loa banner … --size bang-ron``) and an A3 poster with a QR code, both vector PDFs, rasterised
  with pdftoppm (poppler-utils);
- the report of the sample campaign after a demo run (``loa report --format docx``), converted to PDF by LibreOffice
  (``soffice --headless``), its first and last pages rasterised.

    .venv/bin/python bench/print_pictures.py [--out bench/screenshots]

Writes bang-ron.png, poster-a3-qr.png, report-page-1.png and report-page-last.png (bench/ is outside the package).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pictures import small_png

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assets" / "campaigns" / "hoc-tap-suot-doi-2024.toml"
LOA = str(Path(sys.executable).with_name("loa"))
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("LOA_")}, "LOA_LANG": "vi"}
LIMIT_KB = 150  # the README loads every picture


def run(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, text=True, capture_output=True, env=ENV)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def rasterise(pdf: Path, out: Path, *, width: int, page: int = 1) -> Path:
    """One page of ``pdf`` as a PNG ``width`` pixels wide, quantized to stay small."""
    stem = out.with_suffix("")
    run("pdftoppm", "-png", "-singlefile", "-f", str(page), "-l", str(page), "-scale-to-x", str(width),
        "-scale-to-y", "-1", str(pdf), str(stem))
    small_png(out, LIMIT_KB)
    return out


def page_count(pdf: Path) -> int:
    for line in run("pdfinfo", str(pdf)).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise SystemExit(f"pdfinfo gave no page count for {pdf}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="loa-print-") as name:
        folder = Path(name)
        config = folder / "config.toml"
        loa = (LOA, "--config", str(config))
        run(*loa, "init")
        banner = folder / "bang-ron.pdf"
        run(*loa, "banner", "Nhiệt liệt hưởng ứng Tháng hành động vì an toàn thực phẩm năm 2026",
            "--kicker", "SỞ Y TẾ TỈNH QUẢNG NINH", "--theme", "hanh-chinh", "--size", "bang-ron", "-o", str(banner))
        rasterise(banner, out / "bang-ron.png", width=1400)
        poster = folder / "poster-a3.pdf"
        run(*loa, "banner", "Ngày hội đọc sách 2026", "--subline", "Thư viện tỉnh, 8h00 ngày 21/4/2026",
            "--kicker", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "--size", "a3", "--qr", "https://example.gov.vn/hoi-sach",
            "-o", str(poster))
        rasterise(poster, out / "poster-a3-qr.png", width=620)
        # the demo's report: the sample campaign published (rebased to now, two seconds apart), then reported
        run(*loa, "campaign", "import", str(SAMPLE), "--start", "now", "--pace", "1", "--approve")
        run(*loa, "run", "--until-idle")
        report = folder / "bao-cao.docx"
        run(*loa, "report", "--campaign", "hoc-tap-suot-doi-2024", "--format", "docx", "-o", str(report))
        run(soffice, f"-env:UserInstallation=file://{folder / 'lo-profile'}", "--headless", "--convert-to", "pdf",
            "--outdir", str(folder), str(report))
        pdf = report.with_suffix(".pdf")
        rasterise(pdf, out / "report-page-1.png", width=620)
        rasterise(pdf, out / "report-page-last.png", width=620, page=page_count(pdf))


if __name__ == "__main__":
    main()

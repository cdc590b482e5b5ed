"""``loa campaign draft`` benchmark (`make bench`): figures, with the issue's target of 1 s per plan.

A 20-page plan (the sample plan's header, then its sections repeated with many activities, about 20 A4 pages) is
built as DOCX with python-docx and as PDF with LibreOffice (soffice, when installed: otherwise the PDF row is
skipped, and says so). For each: median of 5 runs of ``draft_plan`` (read → extract → week → file, banners fitted
with the renderer's layout), against a baseline in the same run: opening the file alone (python-docx reading every
paragraph; PDFium extracting every page's text).
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loa.posts.plan.draft import draft_plan  # noqa: E402

TARGET_S = 1.0
RUNS = 5
SAMPLE = ROOT / "tests" / "plans" / "ke-hoach-tuan-le-hoc-tap-suot-doi-2024.txt"
FILLER = ("Các cơ quan, đơn vị, địa phương tiếp tục đẩy mạnh công tác thông tin, tuyên truyền về mục đích, ý nghĩa "
          "của Tuần lễ hưởng ứng học tập suốt đời; lồng ghép nội dung tuyên truyền vào các hội nghị, sinh hoạt chi "
          "bộ, đoàn thể; biểu dương những tập thể, cá nhân điển hình tiên tiến trong xây dựng xã hội học tập.")


def plan_lines() -> list[str]:
    """About 20 pages: the sample plan, then its "Nội dung" grown to 60 activities and long paragraphs."""
    lines = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    at = next(i for i, line in enumerate(lines) if line.startswith("5. Tổ chức thực hiện"))
    extra = [f"{chr(100 + i % 20)}) Hoạt động bổ sung số {i + 1}: {FILLER}" for i in range(60)]
    tail = [FILLER] * 140
    return lines[:at] + extra + lines[at:-3] + tail + lines[-3:]


def build_docx(folder: Path) -> Path:
    from docx import Document

    document = Document()
    for line in plan_lines():
        document.add_paragraph(line)
    path = folder / "ke-hoach-20-trang.docx"
    document.save(str(path))
    return path


def build_pdf(docx: Path) -> Path | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    profile = docx.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(docx.parent), str(docx)], check=True, capture_output=True, timeout=180)
    return docx.with_suffix(".pdf")


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def open_docx(path: Path) -> None:
    from docx import Document

    [paragraph.text for paragraph in Document(str(path)).paragraphs]


def open_pdf(path: Path) -> None:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    [document[index].get_textpage().get_text_range() for index in range(len(document))]
    document.close()


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        return len(document)
    finally:
        document.close()


def pypdf_text(path: Path) -> float | None:
    """The pure-Python extractor loa first used (pypdf, installed with the tests): why PDFium reads plans now."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return None
    return median_seconds(lambda: [page.extract_text() for page in PdfReader(str(path)).pages])


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        docx = build_docx(Path(folder))
        pdf = build_pdf(docx)
        rows: list[tuple[str, Path | None, Callable[[Path], None]]] = [("DOCX", docx, open_docx),
                                                                       ("PDF", pdf, open_pdf)]
        print(f"loa campaign draft, a 20-page plan, median of {RUNS} (target ≤ {TARGET_S:.1f} s):")
        draft_plan(docx, channels=["portal", "facebook"])  # fonts and themes loaded once, as in a running process
        for kind, path, baseline in rows:
            if path is None:
                print(f"  {kind:5} skipped: soffice (LibreOffice) is not installed, no PDF to read")
                continue
            pages = pdf_pages(path) if kind == "PDF" else None
            draft = draft_plan(path, channels=["portal", "facebook"])
            took = median_seconds(lambda: draft_plan(path, channels=["portal", "facebook"]))
            base = median_seconds(lambda: baseline(path))
            verdict = "ok" if took <= TARGET_S else "SLOWER THAN TARGET"
            size = f", {pages} pages" if pages else ""
            print(f"  {kind:5} draft {took * 1000:7.1f} ms  (opening the file alone: {base * 1000:6.1f} ms{size}; "
                  f"{len(draft.plan.lines)} lines, {len(draft.facts.activities)} activities, "
                  f"{len(draft.posts)} posts)  {verdict}")

        if pdf is not None and (old := pypdf_text(pdf)) is not None:
            print(f"  PDF   text by pypdf (the extractor PDFium replaced): {old * 1000:7.1f} ms")
        steps()


def steps() -> None:
    """The two text steps on their own, over about 2,000 date-dense lines (what once were timed tests)."""
    from loa.posts.plan.extract import extract_facts
    from loa.posts.plan.model import PlanLine, PlanText
    from loa.posts.plan.periods import find_dates, find_periods, find_plan_date

    lines = [
        "Căn cứ Công văn số 4043/UBND-KGVX ngày 19 tháng 9 năm 2024 của Ủy ban nhân dân thành phố về việc tổ chức.",
        "Tổ chức hưởng ứng Tuần lễ từ ngày 01 tháng 10 năm 2024 đến ngày 07 tháng 10 năm 2024.",
        "Đẩy mạnh tuyên truyền, nâng cao nhận thức của cán bộ, công chức, viên chức và người lao động về học tập.",
        "Các đơn vị báo cáo kết quả về Văn phòng Sở trước ngày 15/10/2024 để tổng hợp, báo cáo.",
        "Cần Thơ, ngày   tháng 9 năm 2024",
    ] * 400

    def dates() -> None:
        for line in lines:
            find_periods(line, plan_year=2024)
            find_dates(line, plan_year=2024)
            find_plan_date(line)

    body = SAMPLE.read_text(encoding="utf-8")
    section = "\n".join(f"{i}. Nội dung {i}\na) Tuyên truyền trên cổng thông tin ngày 0{1 + i % 9}/10/2024.\n"
                        f"- Treo băng rôn, khẩu hiệu \"Học tập suốt đời số {i}\".\n" for i in range(1, 700))
    text = body.replace("5. Tổ chức thực hiện", section + "\n5. Tổ chức thực hiện")
    plan = PlanText(SAMPLE, "txt", tuple(PlanLine(number, line) for number, line in
                                         enumerate(text.splitlines(), start=1) if line.strip()))
    print(f"  steps: dates of {len(lines)} lines {median_seconds(dates) * 1000:6.1f} ms (budget 200 ms); "
          f"facts of a {len(plan.lines)}-line plan {median_seconds(lambda: extract_facts(plan)) * 1000:6.1f} ms "
          "(budget 200 ms)")


if __name__ == "__main__":
    main()

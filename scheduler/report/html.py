"""The report as one self-contained HTML file (the chart inlined as a base64 PNG) for a quick look in a browser.

Every text from the log or the config is escaped: a post title is data, never markup.
"""
from __future__ import annotations

import base64
from html import escape

from loa.posts.i18n import current_language, t

from .document import Appendix, Chart, Paragraph, ReportDocument, Table
from .wording import number

STYLE = """
body { font-family: "Times New Roman", Times, serif; font-size: 14pt; max-width: 17cm; margin: 2cm auto;
       line-height: 1.35; color: #000; }
.header { display: grid; grid-template-columns: 6.5cm 1fr; text-align: center; font-size: 13pt; }
.header p { margin: 0; }
.rule { width: 2cm; border-bottom: 1px solid #000; margin: 2px auto 6px; }
.rule.wide { width: 6cm; }
.date { font-style: italic; font-size: 14pt; }
h1, .summary { text-align: center; font-size: 14pt; margin: 0; }
h1 { margin-top: 18pt; }
p.body { text-align: justify; text-indent: 1.27cm; margin: 0 0 6pt; }
p.heading { font-weight: bold; }
mark { background: #ffff00; font-style: italic; }
table.data { border-collapse: collapse; width: 100%; font-size: 12pt; margin: 6pt 0; }
table.data th, table.data td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; }
table.data td.n { text-align: center; }
table.data td a { word-break: break-all; }
.note, .caption { font-size: 12pt; font-style: italic; text-align: center; }
figure { margin: 6pt 0; text-align: center; }
figure img { max-width: 100%; }
.closing { display: grid; grid-template-columns: 1fr 1fr; margin-top: 12pt; }
.recipients p { margin: 0; font-size: 11pt; }
.recipients p.label { font-size: 12pt; font-weight: bold; font-style: italic; }
.signer { text-align: center; font-weight: bold; }
.signer .name { margin-top: 5em; }
.appendix { break-before: page; margin-top: 24pt; text-align: center; }
.appendix h2 { font-size: 14pt; margin: 0; }
.photos { display: grid; grid-template-columns: 1fr 1fr; gap: 12pt; margin-top: 12pt; }
.photos figure { break-inside: avoid; }
.photos img { width: 100%; }
"""


def _cell(value: str | int) -> str:
    if isinstance(value, int):
        return f'<td class="n">{number(value)}</td>'
    text = escape(value)
    if value.startswith(("http://", "https://")):
        return f'<td><a href="{text}">{text}</a></td>'
    return f"<td>{text}</td>"


def _block(block: Paragraph | Table | Chart) -> str:
    if isinstance(block, Paragraph):
        parts = "".join(f"<mark>{escape(s.text)}</mark>" if s.placeholder else escape(s.text) for s in block.segments)
        classes = "body heading" if block.heading else "body"
        return f'<p class="{classes}">{parts}</p>'
    if isinstance(block, Table):
        head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
        rows = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in block.rows)
        note = f'<p class="note">{escape(block.note)}</p>' if block.note else ""
        return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{note}'
    image = base64.b64encode(block.png).decode("ascii")
    return (f'<figure><img alt="{escape(block.caption)}" src="data:image/png;base64,{image}">'
            f'<figcaption class="caption">{escape(block.caption)}</figcaption></figure>')


def _appendix(appendix: Appendix) -> str:
    figures = []
    for photo in appendix.photos:
        image = ""
        if photo.image is not None:
            data = base64.b64encode(photo.image).decode("ascii")
            image = f'<img alt="{escape(photo.caption)}" src="data:image/jpeg;base64,{data}">'
        missing = f"<br><i>{escape(photo.missing)}</i>" if photo.missing else ""
        figures.append(f'<figure>{image}<figcaption class="caption"><b>{escape(photo.caption)}</b><br>'
                       f"{escape(photo.where)}{missing}</figcaption></figure>")
    return (f'<section class="appendix"><h2>{escape(appendix.title)}</h2><h2>{escape(appendix.subtitle)}</h2>'
            f'<p><i>{escape(appendix.attached)}</i></p><div class="photos">{"".join(figures)}</div></section>')


def html_bytes(report: ReportDocument) -> bytes:
    h = report.header
    parts = [
        "<!DOCTYPE html>", f'<html lang="{current_language()}"><head><meta charset="utf-8">',
        f"<title>{escape(h.title)} – {escape(h.summary)}</title><style>{STYLE}</style></head><body>",
        '<div class="header"><div>',
        f"<p>{escape(h.parent_agency)}</p>" if h.parent_agency else "",
        f'<p><b>{escape(h.agency or "…")}</b></p><div class="rule"></div><p>{escape(h.number)}</p></div>',
        f'<div><p><b>{escape(h.motto)}</b></p><p><b>{escape(h.slogan)}</b></p><div class="rule wide"></div>',
        f'<p class="date">{escape(h.date_line)}</p></div></div>',
        f'<h1>{escape(h.title)}</h1><p class="summary"><b>{escape(h.summary)}</b></p><div class="rule wide"></div>',
        *(_block(block) for block in report.blocks),
    ]
    if report.closing:
        c = report.closing
        recipients = "".join(f"<p>{escape(line)}</p>" for line in c.recipients)
        parts.append(f'<div class="closing"><div class="recipients"><p class="label">{escape(t("report.recipients"))}'
                     f'</p>{recipients}</div><div class="signer"><p>{escape(c.signer_title)}</p>'
                     f'<p class="name">{escape(c.signer_name)}</p></div></div>')
    if report.appendix:
        parts.append(_appendix(report.appendix))
    parts.append("</body></html>\n")
    return "\n".join(part for part in parts if part).encode("utf-8")

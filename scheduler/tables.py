"""The one way loa lays out tables and labelled lines for a terminal, 80 columns wide or more.

Cells are of four kinds. ``whole`` cells (slugs, ids, dates and times, paths, URLs, commands, short labels) are
never broken nor cut: a slug split in two cannot be copied. ``cut`` cells (titles, names) stay on one line and
end with "…" when the room runs out. ``wrap`` cells (reasons, errors, descriptions) wrap between words, never
inside one. ``number`` cells are whole and right-aligned. The room left by the whole cells goes to the others;
when the whole cells alone do not fit (a very long slug or path), each row is laid out as a short record instead
of a table, so nothing is broken and no line is wider than the terminal (except a single word that is itself
wider, alone on its line).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Union

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

Kind = Literal["whole", "cut", "wrap", "number"]
Cell = Union[str, Text]
GAP = 2  # spaces between two columns
INDENT = "  "  # a record's lines under its heading
SEPARATOR = " · "  # between the labelled values packed on one record line

# A command shown to a person is one unit: `in backticks`, or loa/systemctl and the arguments after it, up to
# punctuation or a word that joins two clauses ("or", "hoặc"...). Never wrapped inside.
_JOINERS = r"(?:or|and|then|if|hoặc|rồi|và|nếu|hay)\b"
COMMAND = re.compile(r"`[^`\n]+`[.,;:)]?|\b(?:loa|systemctl)(?: (?!" + _JOINERS + r")[-\w./:={}<>\[\]|]+){1,6}")


def console() -> Console:
    """A console for a table: COLUMNS or the terminal's width; 80 when the output is a file or a pipe."""
    return Console(highlight=False)


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = "whole"
    weight: int = 1  # the share of the room left over that a cut or wrap column takes
    min_width: int = 10  # below this a cut column says too little: the rows become records instead
    style: str = ""


@dataclass(frozen=True)
class Section:
    """A heading row between groups of rows (a day in ``loa queue``), in the first cut column."""

    label: Text


Row = Union[Sequence[Cell], Section]


def one_line(text: str) -> str:
    return " ".join(text.split())


def plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def atoms(text: str) -> list[str]:
    """The words of ``text`` for wrapping, with each command kept as one unit."""
    found: list[str] = []
    position = 0
    for match in COMMAND.finditer(text):
        found += text[position:match.start()].split()
        found.append(match.group(0))
        position = match.end()
    return found + text[position:].split()


def wrap_words(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words only (a word wider than ``width``
    gets a line of its own, whole). Line breaks in ``text`` are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if cell_len(paragraph) <= width:  # as written, its spacing kept
            lines.append(paragraph)
            continue
        current = ""
        for word in atoms(paragraph):
            if current and cell_len(current) + 1 + cell_len(word) <= width:
                current += " " + word
            else:
                if current:
                    lines.append(current)
                current = word
        lines.append(current)
    return lines


def longest_word(text: str) -> int:
    return max((cell_len(word) for word in atoms(text)), default=0)


def cut(cell: Cell, width: int) -> Text:
    """``cell`` on one line of at most ``width`` cells, ending with "…" when it was longer."""
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.plain = one_line(text.plain) if "\n" in text.plain else text.plain
    text.truncate(max(1, width), overflow="ellipsis")
    return text


def print_wrapped(out: Console, text: Cell, *, indent: Cell = "", hanging: str | None = None) -> None:
    """A paragraph wrapped between words to the console's width (commands whole), ``indent`` before its first
    line and ``hanging`` (default: as many spaces) before the others; the style of a Text is kept."""
    style = text.style if isinstance(text, Text) else ""
    first = _text(indent)
    hanging = " " * cell_len(first.plain) if hanging is None else hanging
    lines = wrap_words(plain(text), max(10, out.width - max(cell_len(hanging), cell_len(first.plain))))
    for index, line in enumerate(lines):
        prefix = first if index == 0 else Text(hanging)
        if cell_len(prefix.plain + line) > out.width:  # one word wider than the room (a long path): alone, whole
            if prefix.plain.strip():
                out.print(prefix, soft_wrap=True)
            out.print(Text(line, style=style), soft_wrap=True)
        else:
            out.print(prefix + Text(line, style=style), soft_wrap=True)


def _widths(columns: Sequence[Column], rows: Sequence[Row], total: int) -> list[int] | None:
    """Each column's width so the table fits in ``total`` cells, or None when the whole columns alone do not."""
    natural, least = [], []
    cells_of = [[row[i] for row in rows if not isinstance(row, Section)] for i in range(len(columns))]
    for column, cells in zip(columns, cells_of):
        header_word = longest_word(column.header)
        widest = max([cell_len(plain(c)) for c in cells] + [header_word])
        natural.append(widest)
        if column.kind in ("whole", "number"):
            least.append(widest)
        elif column.kind == "cut":
            least.append(max(header_word, min(widest, column.min_width)))
        else:  # wrap: never inside a word
            least.append(max([header_word, min(widest, column.min_width)] + [longest_word(plain(c)) for c in cells]))
    for section in (row for row in rows if isinstance(row, Section)):
        flexible = [i for i, c in enumerate(columns) if c.kind == "cut"]
        if flexible:
            natural[flexible[0]] = max(natural[flexible[0]], cell_len(section.label.plain))
    left = total - GAP * (len(columns) - 1) - sum(least)
    if left < 0:
        return None
    widths = list(least)
    growing = [i for i, c in enumerate(columns) if c.kind in ("cut", "wrap")]
    while left > 0:  # one cell at a time to the column furthest below its share: a few hundred steps at most
        open_ = [i for i in growing if widths[i] < natural[i]]
        if not open_:
            break
        chosen = min(open_, key=lambda i: widths[i] / columns[i].weight)
        widths[chosen] += 1
        left -= 1
    for i, column in enumerate(columns):  # room to spare: headers on one line rather than wrapped
        grow = min(left, max(0, cell_len(column.header) - widths[i]))
        widths[i] += grow
        left -= grow
    return widths


def print_table(out: Console, columns: Sequence[Column], rows: Iterable[Row], *, title: str | None = None,
                head: int = 1) -> None:
    """``rows`` as a table that fits the console, or, when it cannot, as records: the first ``head`` cells on a
    heading line, the others as "Header: value" beneath (see the module's docstring)."""
    rows = list(rows)
    widths = _widths(columns, rows, out.width)
    if widths is None:
        print_records(out, columns, rows, title=title, head=head)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True,
                  header_style="bold", title=title, title_justify="left", title_style="bold")
    for column, width in zip(columns, widths):
        table.add_column(Text(column.header, no_wrap=False, overflow="fold"), width=width, style=column.style,
                         justify="right" if column.kind == "number" else "left",
                         no_wrap=column.kind != "wrap", overflow="ellipsis" if column.kind == "cut" else "fold")
    first_cut = next((i for i, c in enumerate(columns) if c.kind == "cut"), 0)
    for row in rows:
        if isinstance(row, Section):
            if table.rows:
                table.add_section()
            cells: list[Cell] = [""] * len(columns)
            cells[first_cut] = cut(row.label, widths[first_cut])
            table.add_row(*cells)
            continue
        table.add_row(*[cut(cell, width) if column.kind == "cut" else cell
                        for column, width, cell in zip(columns, widths, row)])
    out.print(table)


def print_records(out: Console, columns: Sequence[Column], rows: Iterable[Row], *, title: str | None = None,
                  head: int = 1) -> None:
    """Each row as a heading line (its first ``head`` cells, whole) and "Header: value" items packed beneath."""
    if title:
        out.print(Text(title, style="bold"), soft_wrap=True)
    for row in rows:
        if isinstance(row, Section):
            out.print(row.label, soft_wrap=True)
            continue
        heading = Text(" " * GAP).join(_text(cell) for cell in row[:head] if plain(cell))
        if cell_len(heading.plain) <= out.width:
            out.print(heading, soft_wrap=True)
        else:  # the heading's cells one under the other, each whole
            for cell in row[:head]:
                out.print(_text(cell), soft_wrap=True)
        _print_items(out, [(column.header, cell) for column, cell in zip(columns[head:], row[head:])
                           if plain(cell) not in ("", "–")])


def _text(cell: Cell) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def _print_items(out: Console, items: Sequence[tuple[str, Cell]]) -> None:
    """``Header: value`` items, several on a line while they fit, a long one wrapped on lines of its own."""
    line = Text(INDENT)
    for header, cell in items:
        item = Text(f"{header}: ", style="bold") + _text(cell)
        fits_alone = cell_len(INDENT) + cell_len(item.plain) <= out.width
        if fits_alone and line.plain.strip() and cell_len(line.plain + SEPARATOR + item.plain) <= out.width:
            line += Text(SEPARATOR) + item
            continue
        if line.plain.strip():
            out.print(line, soft_wrap=True)
        if fits_alone:
            line = Text(INDENT) + item
        else:
            print_wrapped(out, _text(cell), indent=Text(INDENT) + Text(f"{header}: ", style="bold"),
                          hanging=INDENT * 2)
            line = Text(INDENT)
    if line.plain.strip():
        out.print(line, soft_wrap=True)


def print_fields(out: Console, fields: Sequence[tuple[str, Cell]]) -> None:
    """Labelled values, one per line, the values aligned and wrapped between words (paths and links whole)."""
    label_width = max((cell_len(label) for label, _ in fields), default=0)
    for label, value in fields:
        shown = value if isinstance(value, Text) else Text(str(value) if value not in (None, "") else "–")
        padded = Text(label, style="bold") + Text(" " * (label_width - cell_len(label) + GAP))
        if cell_len(padded.plain + shown.plain) <= out.width and "\n" not in shown.plain:
            out.print(padded + shown, soft_wrap=True)
        else:
            print_wrapped(out, shown, indent=padded, hanging=" " * (label_width + GAP))

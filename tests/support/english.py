"""Finds English sentences in text that a Vietnamese officer reads (issue 13: "every word in Vietnamese").

A line is English when, once the things that are allowed to stay as they are (paths, URLs, `code`, --options,
LOA_ variables, [sections], slugs, channel and product names, quoted single words the user typed) are blanked out,
it still holds two English words, or one word that only an English message would hold ("error", "missing",
"Traceback"...), or a Python exception name ("ConnectionError").

English words: every word of assets/locales/en.toml, plus the words of Click's, Python's, requests' and the OS's own
messages; minus Vietnamese syllables that need no diacritics ("theo", "sau", "in") and loanwords a Vietnamese office
writes as they are ("banner", "email", "hashtag").
"""
from __future__ import annotations

import getpass
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[^\W\d_]+")

# Words of messages loa does not write itself: Click (usage errors, help decorations), Python (tomllib, OSError,
# exceptions), requests/urllib3, the OS, and the daemon's and status's old English. Lower case.
FOREIGN_MESSAGE_WORDS = set("""
error errors usage options option missing invalid such not found file files directory directories permission denied
expected character characters illegal document statement datetime integer integers range valid value values got
unexpected extra argument arguments the is are was were be been of to for and or by with without nothing left send
sending sent published publishing started starting start idle stopped stopping running run dry overdue minutes
minute seconds hours waiting wait fix first missed queued rendered offline true false yes no null none
default required choice choices float boolean text path filename command commands help show message exit version
try for from into out than more less least most did you mean possible this that these those it its which what
where when while there their they has have had can cannot could should would will may might must does done doing
please check failed failure fails retry retrying timeout timed connection refused reset reached host name unknown
resolve resolution temporarily unavailable service server client request response status code read write
readable writable exists exist disk space left device full memory broken pipe interrupted aborted abort
traceback exception raise raised line column col end newline after before statement table array key keys
duplicate redefined redefinition declared declare date time month day year days months years hour
leap invalid cannot convert parse parsing parsed decode decoding encoding codec byte position
ok nothing left to send portal waiting missed yet since ago now today tomorrow yesterday
posts post campaign campaigns channel channels queue schedule scheduled delivery deliveries title body
draft approved cancelled canceled pending failed done published sending maybe unpublished
""".split())

# One of these alone makes a line English: no Vietnamese message has a reason to hold them.
STRONG_WORDS = set("""
error errors usage missing invalid traceback exception illegal denied unexpected expected overdue
required default such directory permission aborted nothing the options args title body
""".split())

# Vietnamese syllables written without diacritics (and so looking like English words): never counted.
VIETNAMESE_SYLLABLES = set("""
a an anh ba ban bang bao bi bo ca cao chi chia cho chu chung co con cu cung da dai danh do doi dung em gi gia gian
giao ghi ha hai hay hoa hoc ho hon in khai khi kia la lai lam lan le long lo ma mai mang me minh mo mot na nam nay
ne ngang ngay ii iii iv vi vii viii ix xi xii viet nghe nhau nhan nhu no noi on pha quan qua quay quy ra sai sang sao sau so ta tai tam tap tham thao
thay the theo thi thu tim tin to toi tra trang treo trong tu tuan van vai ve vi xa xem xong xung y stt vt kh ubnd
""".split()) - {"the"}

# Names and loanwords a Vietnamese office writes as they are: products, formats, channels and adapters, units, the
# role codes typed in `--role`, and loa itself.
ALLOWED_WORDS = set("""
loa facebook zalo youtube tiktok wordpress portal website web fanpage email mail online link links banner banners
hashtag hashtags sqlite postgresql postgres psycopg python docx xlsx csv html htm json jsonl toml pdf png jpeg jpg
webp gif tiff bmp svg txt utf bom url urls uri http https api graph id ids ok qr gps dpi inch mm hh dd yyyy mb kb
gb byte bytes bit bits megapixel pixel pixels font fonts truetype opentype excel word demo admin editor approver
static site dry_run static_site dry_run systemd systemctl sigterm sigint ctrl stderr stdout utc gmt iso asia inf nan
pgpassword pgpass readme fifo socket token tokens slug slugs px wxh wxhmm re
""".split())
# who did what is recorded under the login name when no --by or LOA_USER says otherwise: "root" in the approver
# column of a report made by the tests (CI runs as root) is a person's name, not loa's English
ALLOWED_WORDS.add(getpass.getuser().lower())

# Config and campaign sections written in brackets: "[organization]" is a place in a file, not the word.
SECTION = re.compile(r"\[\[?(?:[a-z_]+\.[\w.\-]+|database|defaults|render|daemon|web|organization|channels|campaign"
                     r"|posts|report|metrics|outreach)\]\]?")

BLANKED = [
    re.compile(r"```.*?```|`[^`\n]*`", re.S),  # `code`
    # the code beside its Vietnamese word, to type: "thiếu tiêu đề (title)", "nháp (draft)"
    re.compile(r"(?<=\w )\([a-z][a-z0-9_]*\)"),
    # a list of names to type (keys, commands, codes): "có: after, banner_theme, channels, …"
    re.compile(r"\b[a-z][a-z0-9_]*(?:,[ \t]+[a-z][a-z0-9_]*){2,}\b"),
    re.compile(r"\b[a-z][a-z0-9+.\-]*://\S+", re.I),  # URLs
    re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),  # email addresses
    re.compile(r"(?<![\w<])(?:~|\.{1,2})?[\w.@%+=:,~\-…]*[/\\][\w.@%+=:,~/\\\-…]*"),  # paths (and dates d/m/y)
    re.compile(r"\b[\w\-]+\.(?:tar\.gz|gz|toml|db|docx|xlsx|csv|html?|png|jpe?g|webp|gif|json|jsonl|txt|j2|pdf|md|log|key|"
               r"service|ttf|otf|py)\b", re.I),  # file names
    re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*"),  # --options, -o
    re.compile(r"\bLOA_[A-Z0-9_]*\b|\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b"),  # environment variables
    SECTION,
    re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b"),  # snake_case codes and keys (static_site, plan_ref)
    re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b"),  # slugs (hoc-tap-suot-doi-2024), themes, adapters
    re.compile(r"#\w+"),  # hashtags
    re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"),  # ISO times
    re.compile(r"\{[^{}\n]*\}"),  # {placeholders} and {{ template }} expressions
    re.compile(r"[^\s\[\]()]*\|[^\s\[\]()]*"),  # choices to type: [file|queue], DATE|now
    # one word the user typed, quoted back ('45-52', “hashtag”): what she wrote, not what loa says
    re.compile(r"'[^'\s]+'|\"[^\"\s]+\"|“[^”\s]+”|‘[^’\s]+’|«[^»\s]+»"),
]
EXCEPTION_NAME = re.compile(r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Error|Exception|Timeout|Warning|Refused)\b")


@cache
def _locale_values(language: str) -> tuple[str, ...]:
    data = tomllib.loads((ROOT / "assets" / "locales" / f"{language}.toml").read_text(encoding="utf-8"))
    values: list[str] = []

    def walk(table: dict) -> None:
        for value in table.values():
            walk(value) if isinstance(value, dict) else values.append(str(value))

    walk(data)
    return tuple(values)


@cache
def _cli_names() -> tuple[frozenset[str], frozenset[str]]:
    """The command names and loa's own placeholders (metavars: DATE, SLUG, FILE) of the CLI itself, so a new
    command or option is known without editing this file."""
    import click

    from loa.scheduler.cli import cli

    names: set[str] = set()
    placeholders: set[str] = set()

    def walk(command: click.Command) -> None:
        names.add(command.name or "")
        for param in command.params:
            metavar = param.metavar or (param.name.upper() if isinstance(param, click.Argument) else None)
            placeholders.update(WORD.findall(metavar or ""))
        if isinstance(command, click.Group):  # list_commands/get_command: the lazily loaded commands too
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                if sub is not None:
                    walk(sub)

    walk(cli)
    return frozenset(names - {""}), frozenset(word for word in placeholders if word.isupper())


@cache
def program_codes() -> frozenset[str]:
    """Names the officer types as they are, taken from the code: banner sizes (square, story), account roles."""
    from loa.posts.accounts import ROLES
    from loa.posts.render.sizes import PRINT, SCREEN

    return frozenset(word.lower() for name in (*SCREEN, *PRINT, *ROLES) for word in WORD.findall(name))


@cache
def _command_line() -> re.Pattern[str]:
    """``loa campaign import``: a command to type, not English."""
    names = _cli_names()[0]
    alternatives = "|".join(sorted((re.escape(name) for name in names if name), key=len, reverse=True))
    return re.compile(rf"\bloa(?:[ \t]+(?:{alternatives})\b)*")


def blank_allowed(text: str) -> str:
    """``text`` with every allowed piece replaced by spaces (so the words around it stay apart)."""
    text = _command_line().sub(lambda match: " " * len(match.group()), text)
    for pattern in BLANKED:
        text = pattern.sub(lambda match: " " * len(match.group()), text)
    return text


@cache
def english_vocabulary() -> frozenset[str]:
    """Lower-case English words: those of en.toml's messages (their allowed pieces blanked) and of foreign
    messages, without Vietnamese syllables, names and loanwords."""
    words = set(FOREIGN_MESSAGE_WORDS)
    for value in _locale_values("en"):
        words |= {word.lower() for word in WORD.findall(blank_allowed(value)) if word.isascii()}
    return frozenset(word for word in words if len(word) > 1 and word not in VIETNAMESE_SYLLABLES
                     and word not in ALLOWED_WORDS and word not in program_codes())


@cache
def _message_keys() -> frozenset[str]:
    """The keys of the locale files: one printed as it is ("users.help") is a message that was never looked up."""
    data = tomllib.loads((ROOT / "assets" / "locales" / "en.toml").read_text(encoding="utf-8"))

    def walk(table: dict, prefix: str) -> list[str]:
        return [key for name, value in table.items()
                for key in (walk(value, f"{prefix}{name}.") if isinstance(value, dict) else [prefix + name])]

    return frozenset(walk(data, ""))


MESSAGE_KEY = re.compile(r"\b[a-z][a-z_]*(?:\.[a-z_0-9]+)+\b")


def english_words(line: str) -> list[str]:
    """The English words of one line, in order (a Python exception name or a message key counts as one)."""
    keys = _message_keys()
    found = [key for key in MESSAGE_KEY.findall(line) if key in keys]
    blanked = blank_allowed(line)
    vocabulary = english_vocabulary()
    found += EXCEPTION_NAME.findall(blanked)
    blanked = EXCEPTION_NAME.sub(" ", blanked)
    found += [word for word in WORD.findall(blanked) if word.isascii() and word.lower() in vocabulary
              and word not in _cli_names()[1]]  # loa's placeholders (DATE, FILE) are explained around them
    return found


def is_english(line: str) -> bool:
    words = english_words(line)
    return len(words) >= 2 or any(word.lower() in STRONG_WORDS or EXCEPTION_NAME.fullmatch(word) or "." in word
                                  for word in words)


@dataclass(frozen=True)
class Leak:
    source: str  # the command (or file) that printed it
    line: str
    words: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.source}\n    {self.line.strip()}\n    English: {', '.join(self.words)}"


def is_english_cell(cell: str) -> bool:
    """A cell of a report or export: English as a line is, or when it is one English word alone ("queued",
    "TRUE"): a code shown where a label belongs."""
    words = english_words(cell)
    return is_english(cell) or len(words) == 1 and WORD.findall(blank_allowed(cell)) == words


def english_lines(text: str, source: str, *, cells: bool = False) -> list[Leak]:
    """Every English line of ``text``, each with the ``source`` that printed it; ``cells``: each line is a cell
    of a document (see ``is_english_cell``)."""
    check = is_english_cell if cells else is_english
    return [Leak(source, line, tuple(english_words(line))) for line in text.splitlines() if check(line)]

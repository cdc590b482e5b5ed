"""Codes and the words people use for them: ``draft`` is "nháp", ``offline`` "hoạt động trực tiếp".

loa stores English codes (the database, ``--json``, the code columns of exports keep them for machines); a person
may type the code, its label in any language loa speaks, or another word the locale lists for it (``[vocab]
also_<vocabulary>_<code>``), with or without diacritics, in any case: ``--status "da duyet"`` is ``approved``.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from functools import cache

from .errors import UserError
from .i18n import available_languages, catalogue, t
from .folding import fold

# Tables of the locale whose keys name log kinds, in the order a kind's label is looked up (scheduler/views.py).
KIND_LABEL_KEYS = ("kind.{}", "logcmd.kind_{}", "campaign_life.kind_{}", "fix.kind_{}", "review.kind_{}")


def _key(text: str) -> str:
    """What two spellings of one word share: folded, ``_`` and ``-`` as spaces, spaces collapsed."""
    return re.sub(r"[\s_-]+", " ", fold(text)).strip()


def _statuses() -> tuple[str, ...]:
    from .statuses import DELIVERY_STATUSES, POST_STATUSES

    return tuple(dict.fromkeys(POST_STATUSES + DELIVERY_STATUSES))


def _kinds() -> tuple[str, ...]:
    """Every kind the log may hold: those loa writes and those a person adds, and any the locale has a label for."""
    from .outreach_log import KNOWN_KINDS

    labelled = []
    for key in catalogue("en"):
        for pattern in KIND_LABEL_KEYS:
            prefix = pattern.format("")
            if key.startswith(prefix) and re.fullmatch(r"[a-z_]+", key[len(prefix):]):
                labelled.append(key[len(prefix):])
    return tuple(dict.fromkeys([*KNOWN_KINDS, *labelled]))


def _manual_kinds() -> tuple[str, ...]:
    from .outreach_log import MANUAL_KINDS

    return MANUAL_KINDS


def _roles() -> tuple[str, ...]:
    from .accounts import ROLES

    return ROLES


# vocabulary -> (its codes, the locale keys of a code's labels, first the one shown)
VOCABULARIES: dict[str, tuple[Callable[[], tuple[str, ...]], tuple[str, ...]]] = {
    "status": (_statuses, ("status.{}",)),
    "kind": (_kinds, KIND_LABEL_KEYS),
    "manual_kind": (_manual_kinds, ("logcmd.kind_{}",)),
    "role": (_roles, ("web.role_{}",)),
    "prefer": (lambda: ("file", "queue"), ("vocab.prefer_{}",)),
    "report_format": (lambda: ("docx", "xlsx", "html"), ("vocab.format_{}",)),
    "log_format": (lambda: ("csv", "xlsx", "jsonl"), ("vocab.format_{}",)),
}


def codes(vocabulary: str) -> tuple[str, ...]:
    return VOCABULARIES[vocabulary][0]()


def label(vocabulary: str, code: str) -> str:
    """The word for ``code`` in the current language; a code with no word (a newer loa's) as it is."""
    for pattern in VOCABULARIES[vocabulary][1]:
        key = pattern.format(code)
        if (text := t(key)) != key:
            return text
    return code


@cache
def _words(vocabulary: str) -> dict[str, frozenset[str]]:
    """Folded word -> the codes it may mean: codes, labels in every language, and the locale's other words."""
    words: dict[str, set[str]] = {}
    for code in codes(vocabulary):
        spellings = [code]
        for language in available_languages():
            texts = catalogue(language)
            spellings += [texts[pattern.format(code)] for pattern in VOCABULARIES[vocabulary][1]
                          if pattern.format(code) in texts]
            spellings += texts.get(f"vocab.also_{vocabulary}_{code}", "").split(",")
        for spelling in spellings:
            if _key(spelling):
                words.setdefault(_key(spelling), set()).add(code)
    return {word: frozenset(found) for word, found in words.items()}


def shown(vocabulary: str, code: str) -> str:
    """``nháp (draft)``: the word and, when it differs, the code, as lists of choices show them."""
    word = label(vocabulary, code)
    return code if _key(word) == _key(code) else f"{word} ({code})"


def known_list(vocabulary: str) -> str:
    return ", ".join(shown(vocabulary, code) for code in codes(vocabulary))


def find_code(vocabulary: str, text: str) -> str | None:
    """The code ``text`` names, or None when it names none (or several)."""
    if text.strip() in codes(vocabulary):
        return text.strip()
    found = _words(vocabulary).get(_key(text), frozenset())
    return next(iter(found)) if len(found) == 1 else None


def code_for(vocabulary: str, text: str, *, where: str | None = None) -> str:
    """The code ``text`` names: the code itself, its word in any language, with or without diacritics.

    Anything else is a UserError listing the choices and suggesting the closest ("có phải ý anh/chị là …?").
    """
    if (code := find_code(vocabulary, text)) is not None:
        return code
    found = _words(vocabulary).get(_key(text), frozenset())
    if len(found) > 1:  # a word two codes share: ask which
        raise UserError(t("vocab.ambiguous", value=text, choices=", ".join(shown(vocabulary, c) for c in found)),
                        where=where)
    message = t("vocab.unknown", value=text, known=known_list(vocabulary))
    close = difflib.get_close_matches(_key(text), list(_words(vocabulary)), n=1, cutoff=0.6)
    if close:
        suggestion = next(iter(_words(vocabulary)[close[0]]))
        message += "; " + t("vocab.did_you_mean", word=label(vocabulary, suggestion))
    raise UserError(message, where=where)


def yes_no(value: bool | None) -> str | None:
    """A boolean as a person reads it in a spreadsheet: "Có"/"Không" ("Yes"/"No" in English)."""
    if value is None:
        return None
    return t("vocab.yes") if value else t("vocab.no")

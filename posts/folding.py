"""Text compared the way people type it: without case and diacritics (a keyboard may send either Unicode form)."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """``Đã Duyệt`` → ``da duyet``: lower case, without diacritics, ``đ`` as ``d``, whatever the keyboard sent
    (NFC or NFD, the tone mark on either vowel: "hủy" and "huỷ" fold alike)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d").replace("Đ", "d"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))

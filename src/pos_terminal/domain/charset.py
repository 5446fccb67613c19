"""Text for devices with single-byte code pages (receipt printers, pole displays).

A receipt printer or a pole display prints one cell per byte, from a code page (CP858, CP437,
CP852…). A character the device's page lacks is spelled as its closest plain text instead:
``Ł`` → ``L``, ``ő`` → ``o``, ``ß`` → ``ss``, ``“`` → ``"``, ``€`` → ``EUR``, ``Ж`` → ``Zh``,
``中`` → ``Zhong`` — never ``?``. The substitution comes *before* layout (``for_device``), so a
line is measured in the cells it will take on paper: a ``€`` that becomes ``EUR`` cannot push
a line past the paper's width.

How a character is spelled, first match wins:

1. a short table of our own for what receipts and displays use (``×`` → ``x`` as in "2 x 1.99",
   box and scissors glyphs of the on-screen preview, ``Æ`` → ``AE``);
2. Unicode compatibility decomposition (NFKD) without the accents: ``é`` → ``e``, ``ő`` → ``o``,
   ``ﬁ`` → ``fi``, ``½`` → ``1/2``;
3. anyascii (ISC licence, pure Python, ~350 kB wheel) for the letters that do not decompose
   (``Ł``, ``Ø``, ``Đ``, ``ı``, ``ß``) and for other scripts (Cyrillic, Greek, Hebrew, Arabic,
   CJK…), so a name in any script prints as something a person can read;
4. nothing (zero-width and combining marks, private-use characters).

Control characters (tabs, line breaks in a name) become a space. Pure: the device layer says
which characters its page can print (``can_print``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache

from anyascii import anyascii

# Our own spellings, where the general rules give something else or nothing.
_OWN = {
    "×": "x", "÷": "/", "✂": "-", "█": "#", "▌": "|", "•": "*", "·": ".",
    "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "€": "EUR", "£": "GBP",
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\ufffd": "", "\u00ad": "",
}


@lru_cache(maxsize=4096)
def closest_plain(ch: str) -> str:
    """The closest plain ASCII spelling of one character ("" when there is none)."""
    if ch in _OWN:
        return _OWN[ch]
    if ch.isascii():
        return ch if ch.isprintable() else " "
    category = unicodedata.category(ch)
    if category in ("Cc", "Zl", "Zp"):
        return " "
    if category in ("Cf", "Mn", "Me", "Co", "Cs", "Cn"):
        return ""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and base.isascii() and base.isprintable():
        return base
    spelled = anyascii(ch)
    # anyascii spells a few symbols as "?" (U+FFFD); a "?" the source did not have is noise.
    spelled = "".join(c for c in spelled if c.isprintable() and c != "?")
    return spelled if spelled.strip() or ch.isspace() else ""


def for_device(text: str, can_print: Callable[[str], bool]) -> str:
    """``text`` as the device will print it: characters its code page has stay, the others
    are spelled plainly (:func:`closest_plain`). One character of the result is one cell."""
    if text.isascii() and text.isprintable():
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ch if ch.isprintable() else " ")
        elif ch.isprintable() and not unicodedata.combining(ch) and can_print(ch):
            out.append(ch)
        else:
            out.append(closest_plain(ch))
    return "".join(out)


def codec_printer(codec: str) -> Callable[[str], bool]:
    """``can_print`` for a device whose page is a Python codec (``cp437``, ``cp858``…)."""
    def can_print(ch: str) -> bool:
        try:
            ch.encode(codec)
        except UnicodeEncodeError:
            return False
        return True

    return can_print


def ascii_only(ch: str) -> bool:
    """``can_print`` of a device with no code page beyond ASCII."""
    return ch.isascii()


__all__ = ["ascii_only", "closest_plain", "codec_printer", "for_device"]

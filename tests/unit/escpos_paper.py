"""What an ESC/POS printer puts on paper from a job's bytes: lines of text with their cells.

A small interpreter of the commands our jobs use, written from Epson's ESC/POS command reference
(APG, "ESC/POS Command Reference for TM printers"): ``ESC @`` initialise, ``ESC t n`` code page,
``ESC ! n`` print mode (bit 4 double height, bit 5 double width), ``GS ! n`` character size
(width multiplier = high nibble + 1), ``ESC E/a/d/-/M/G n``, ``GS B/h/w/H/f n`` (one argument
byte each), ``ESC p m t1 t2`` drawer pulse, ``GS V m [n]`` cut, ``GS k m …`` barcode (m ≤ 6:
data up to NUL; m ≥ 65: n then n bytes), ``LF`` prints the line. Every other byte is a
character of the current code page and takes one cell (two at double width).

The code page slots are python-escpos's capability profile's; a page's bytes are decoded with
Python's codec of the same name, so a test can read the text as printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, LF = 0x1B, 0x1D, 0x0A
_ONE_ARG = {(ESC, ord(c)) for c in "Ea-dMGt!"} | {(GS, ord(c)) for c in "BhwHf!"}


@dataclass
class Line:
    data: bytearray = field(default_factory=bytearray)  # the character bytes
    text: str = ""  # decoded with the code page each byte was printed in
    cells: int = 0  # width on paper in normal-size character cells


def _codec(page: str) -> str:
    return {"ISO_8859-7": "iso8859_7", "ISO_8859-2": "iso8859_2",
            "ISO_8859-15": "iso8859_15"}.get(page, page.lower())


def paper_lines(job: bytes, profile: str = "TM-T88V") -> list[Line]:
    """The printed text lines of a job (barcodes and commands left out)."""
    from escpos.capabilities import get_profile

    slots = {int(v): k for k, v in get_profile(profile).get_code_pages().items()}
    page, wide = "CP437", 1
    lines: list[Line] = []
    cur = Line()
    i, n = 0, len(job)

    def put(b: int) -> None:
        cur.data.append(b)
        cur.text += bytes([b]).decode(_codec(page), errors="replace")
        cur.cells += wide

    while i < n:
        b = job[i]
        if b == LF:
            lines.append(cur)
            cur = Line()
            i += 1
        elif b in (ESC, GS) and i + 1 < n:
            cmd = (b, job[i + 1])
            if cmd == (ESC, ord("@")):
                page, wide = "CP437", 1
                i += 2
            elif cmd in _ONE_ARG:
                arg = job[i + 2]
                if cmd == (ESC, ord("t")):
                    page = slots[arg]
                elif cmd == (ESC, ord("!")):
                    wide = 2 if arg & 0x20 else 1
                elif cmd == (GS, ord("!")):
                    wide = (arg >> 4) + 1
                i += 3
            elif cmd == (ESC, ord("p")):
                i += 5
            elif cmd == (GS, ord("V")):
                i += 4 if job[i + 2] in (65, 66) else 3
            elif cmd == (GS, ord("k")):
                m = job[i + 2]
                if m <= 6:
                    i = job.index(0, i + 3) + 1
                else:
                    i += 4 + job[i + 3]
            else:
                raise AssertionError(f"unexpected command {bytes(cmd)!r} at byte {i}")
        else:
            put(b)
            i += 1
    if cur.data:
        lines.append(cur)
    return lines

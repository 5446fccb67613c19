"""What PCI DSS lets the register keep of a card payment, and nothing more.

A terminal answers with card data; the register stores and prints only: the masked card
number (at most the first six and the last four digits), the brand, the terminal id, the trace
and receipt numbers and the authorisation code. Never a full card number, track data or the
CVV. ``mask_pan`` enforces the first rule whatever a terminal sends (a misconfigured terminal
may send the whole number); ``scrub`` masks any card number hidden in a text a terminal
wants printed (its receipt lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pos_terminal.domain.tenders import luhn_valid

MASK = "*"
_RUN = re.compile(r"(?<![0-9])[0-9](?:[0-9 -]*[0-9])?(?![0-9])")


def mask_pan(text: str) -> str:
    """A card number as the register may keep it: digits other than the last four become
    ``*``; a terminal's own mask characters (``E``, ``X``, ``*``) count as masked digits.

    "EEEEEEEEEEEE4771" → "************4771"; "411111 **** 1111" → "**********1111";
    "4111111111111111" (a terminal that did not mask) → "************1111".
    """
    kept = [c for c in text.strip().upper() if c.isdigit() or c in "EX*"]
    if not kept:
        return ""
    digits = ["*" if c in "EX*" else c for c in kept]
    n = len(digits)
    return "".join(MASK if i < n - 4 or c == "*" else c for i, c in enumerate(digits))


def scrub(text: str) -> str:
    """``text`` with every card number in it (13-19 digits, Luhn-valid, plain or grouped by
    spaces or dashes) replaced by its masked form; everything else unchanged."""

    def repl(m: re.Match[str]) -> str:
        run = m.group()
        digits = re.sub(r"[ -]", "", run)
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return mask_pan(digits)
        return run

    return _RUN.sub(repl, text)


@dataclass(frozen=True)
class CardDetails:
    """The card part of an approved terminal payment, as stored and printed."""

    masked_pan: str = ""
    brand: str = ""
    terminal_id: str = ""
    trace_no: str = ""
    receipt_no: str = ""
    auth_code: str = ""

    def __post_init__(self) -> None:
        # The one gate every terminal answer goes through on its way to disk or paper.
        object.__setattr__(self, "masked_pan", mask_pan(self.masked_pan))
        for name in ("brand", "terminal_id", "trace_no", "receipt_no", "auth_code"):
            object.__setattr__(self, name, scrub(str(getattr(self, name)).strip())[:40])

    @property
    def reference(self) -> str:
        """The payment's reference as receipts and reports show it."""
        parts = [p for p in (
            self.brand, self.masked_pan[-8:] if self.masked_pan else "",
            f"TID {self.terminal_id}" if self.terminal_id else "",
            f"trace {self.trace_no}" if self.trace_no else "",
            f"auth {self.auth_code}" if self.auth_code else "") if p]
        return " ".join(parts)[:64]

"""The sale in progress as it is saved after every change, and read back after a restart.

A versioned, explicit format: every field is named here (no ``asdict`` of whatever the
dataclasses hold today), money and quantities are integers, and reading is strict: a value of
the wrong type, a missing field or an unknown format version is refused with
``StorageError`` rather than guessed at. Adding a field to ``Item``, ``CartLine``, ``Cart``,
``Override`` or ``Tender`` without adding it here fails ``tests/unit/test_open_sale_format.py``.

Format 1 (JSON, one object)::

    {"format": 1, "id": SALE_ID, "user_id": 3, "training": false,
     "started_at": "2026-11-24T15:04:05.123Z",
     "lines": [{"line_no": 1, "qty": 2, "price": 129, "price_per": 1, "discount": 0,
                "original_price": null, "voided": false, "promo_saving": 0,
                "promo_labels": [], "tare": 0, "item": {"product_id": 7, "sku": ..., ...}}],
     "sale_discount": 0, "sale_discount_ppm": 0,
     "overrides": [{"action": "age_check", "user_id": 3, "approver_id": 3,
                    "reason": ..., "detail": "confirmed 18+", "line_no": null}],
     "age_confirmed": 18, "age_refused": null, "next_line": 2,
     "vouchers": [{"kind": "voucher", "amount": 75, "reference": "V..."}],
     "tenders": [{"kind": "card", "amount": 500, "reference": "T-42", "attempt": ""}]}

A tender's ``attempt`` (a card terminal's approved payment attempt, services/payments.py) was
added within format 1: a tender saved without it reads as "" (typed in by reference).

Promotion savings are kept as they were priced (the sale comes back with the same totals); the
promotion index itself is the catalog's and is read again from the database. ``id`` is the id
the completed sale will have, so the sale row and the saved copy's removal share one
transaction and a crash between them cannot exist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pos_terminal.domain.cart import Cart, CartLine, Deposit, Item, Override
from pos_terminal.domain.tenders import Tender, TenderKind
from pos_terminal.errors import StorageError

FORMAT = 1

# The fields of each record, in the order they are written (the format's definition).
ITEM_FIELDS = ("product_id", "sku", "name", "variant", "unit", "price", "price_per", "tax_code",
               "rate_ppm", "pack", "min_age", "max_per_sale", "cost", "department", "deposit",
               "tare", "pack_deposit")
DEPOSIT_FIELDS = ("code", "name", "amount", "tax_code", "rate_ppm")
LINE_FIELDS = ("line_no", "qty", "price", "price_per", "discount", "original_price", "voided",
               "promo_saving", "promo_labels", "tare", "item")
OVERRIDE_FIELDS = ("action", "user_id", "approver_id", "reason", "detail", "line_no")
TENDER_FIELDS = ("kind", "amount", "reference", "attempt")
CART_FIELDS = ("lines", "sale_discount", "sale_discount_ppm", "overrides", "age_confirmed",
               "age_refused", "next_line")
SALE_FIELDS = ("format", "id", "user_id", "training", "started_at", *CART_FIELDS, "vouchers",
               "tenders")


@dataclass
class OpenSale:
    """Everything a sale in progress holds that is not in the catalog."""

    id: str
    user_id: int
    training: bool
    started_at: str
    cart: Cart = field(default_factory=Cart)
    vouchers: list[Tender] = field(default_factory=list)  # empties vouchers scanned
    tenders: list[Tender] = field(default_factory=list)  # payments taken (a card charged)

    @property
    def is_empty(self) -> bool:
        """Nothing to keep: no item on the sale and no money taken or voucher scanned."""
        return self.cart.is_empty and not self.vouchers and not self.tenders

    @property
    def paid(self) -> int:
        """What tenders already taken cover (vouchers not included)."""
        return sum(t.amount or 0 for t in self.tenders)


# -- writing ------------------------------------------------------------------------------------
def _deposit(d: Deposit | None) -> dict[str, Any] | None:
    return None if d is None else {k: getattr(d, k) for k in DEPOSIT_FIELDS}


def _item(i: Item) -> dict[str, Any]:
    out = {k: getattr(i, k) for k in ITEM_FIELDS}
    out["deposit"], out["pack_deposit"] = _deposit(i.deposit), _deposit(i.pack_deposit)
    return out


def _line(ln: CartLine) -> dict[str, Any]:
    out = {k: getattr(ln, k) for k in LINE_FIELDS}
    out["promo_labels"] = list(ln.promo_labels)
    out["item"] = _item(ln.item)
    return out


def _tender(t: Tender) -> dict[str, Any]:
    if t.amount is None:  # "whatever is due" is decided at payment; a taken tender has a sum
        raise StorageError(f"a {t.kind} payment taken must have its amount")
    return {"kind": str(t.kind), "amount": t.amount, "reference": t.reference,
            "attempt": t.attempt}


def to_dict(sale: OpenSale) -> dict[str, Any]:
    c = sale.cart
    return {
        "format": FORMAT, "id": sale.id, "user_id": sale.user_id, "training": sale.training,
        "started_at": sale.started_at,
        "lines": [_line(ln) for ln in c.lines],
        "sale_discount": c.sale_discount, "sale_discount_ppm": c.sale_discount_ppm,
        "overrides": [{k: getattr(o, k) for k in OVERRIDE_FIELDS} for o in c.overrides],
        "age_confirmed": c.age_confirmed, "age_refused": c.age_refused,
        "next_line": c._next_line,
        "vouchers": [_tender(v) for v in sale.vouchers],
        "tenders": [_tender(t) for t in sale.tenders],
    }


def dumps(sale: OpenSale) -> str:
    return json.dumps(to_dict(sale), ensure_ascii=False, separators=(",", ":"))


# -- reading (strict) ---------------------------------------------------------------------------
class _Reader:
    """Typed access to one record of the format; every miss names the record and field."""

    def __init__(self, data: Any, where: str, names: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            raise _bad(f"{where} is not a record")
        missing = [n for n in names if n not in data]
        if missing:
            raise _bad(f"{where} has no {missing[0]!r}")
        extra = sorted(set(data) - set(names))
        if extra:
            raise _bad(f"{where} has an unknown field {extra[0]!r}")
        self.data, self.where = data, where

    def _get(self, name: str, kinds: tuple[type, ...], what: str, optional: bool) -> Any:
        v = self.data[name]
        if v is None and optional:
            return None
        # bool is an int to Python: a true/false where a number belongs is refused
        if type(v) not in kinds:
            raise _bad(f"{self.where}.{name} must be {what}, not {v!r}")
        return v

    def whole(self, name: str) -> int:
        return self._get(name, (int,), "a whole number", False)  # type: ignore[no-any-return]

    def opt_whole(self, name: str) -> int | None:
        return self._get(name, (int,), "a whole number", True)  # type: ignore[no-any-return]

    def text(self, name: str) -> str:
        return self._get(name, (str,), "text", False)  # type: ignore[no-any-return]

    def opt_text(self, name: str) -> str | None:
        return self._get(name, (str,), "text", True)  # type: ignore[no-any-return]

    def flag(self, name: str) -> bool:
        return self._get(name, (bool,), "true or false", False)  # type: ignore[no-any-return]

    def items(self, name: str) -> list[Any]:
        return self._get(name, (list,), "a list", False)  # type: ignore[no-any-return]


def _bad(why: str) -> StorageError:
    return StorageError(f"the saved sale cannot be read ({why}); it was left in the database "
                        "for support")


def _read_deposit(data: Any, where: str) -> Deposit | None:
    if data is None:
        return None
    r = _Reader(data, where, DEPOSIT_FIELDS)
    return Deposit(r.text("code"), r.text("name"), r.whole("amount"), r.text("tax_code"),
                   r.whole("rate_ppm"))


def _read_item(data: Any, where: str) -> Item:
    r = _Reader(data, where, ITEM_FIELDS)
    return Item(
        product_id=r.whole("product_id"), sku=r.text("sku"), name=r.text("name"),
        variant=r.text("variant"), unit=r.text("unit"), price=r.whole("price"),
        price_per=r.whole("price_per"), tax_code=r.text("tax_code"),
        rate_ppm=r.whole("rate_ppm"), pack=r.whole("pack"), min_age=r.opt_whole("min_age"),
        max_per_sale=r.opt_whole("max_per_sale"),
        cost=r.opt_whole("cost"), department=r.opt_text("department"),
        deposit=_read_deposit(data["deposit"], f"{where}.deposit"), tare=r.whole("tare"),
        pack_deposit=_read_deposit(data["pack_deposit"], f"{where}.pack_deposit"),
    )


def _read_line(data: Any, where: str) -> CartLine:
    r = _Reader(data, where, LINE_FIELDS)
    labels = r.items("promo_labels")
    if not all(type(x) is str for x in labels):
        raise _bad(f"{where}.promo_labels must be a list of text")
    return CartLine(
        line_no=r.whole("line_no"), item=_read_item(data["item"], f"{where}.item"),
        qty=r.whole("qty"), price=r.whole("price"), price_per=r.whole("price_per"),
        discount=r.whole("discount"), original_price=r.opt_whole("original_price"),
        voided=r.flag("voided"), promo_saving=r.whole("promo_saving"),
        promo_labels=tuple(labels), tare=r.whole("tare"),
    )


def _read_override(data: Any, where: str) -> Override:
    r = _Reader(data, where, OVERRIDE_FIELDS)
    return Override(r.text("action"), r.whole("user_id"), r.whole("approver_id"),
                    r.text("reason"), r.text("detail"), r.opt_whole("line_no"))


def _read_tender(data: Any, where: str) -> Tender:
    has_attempt = isinstance(data, dict) and "attempt" in data  # written before it existed
    r = _Reader(data, where, TENDER_FIELDS if has_attempt else TENDER_FIELDS[:3])
    kind = r.text("kind")
    if kind not in {k.value for k in TenderKind}:
        raise _bad(f"{where}.kind {kind!r} is not a tender kind")
    return Tender(TenderKind(kind), r.whole("amount"), r.text("reference"),
                  r.text("attempt") if has_attempt else "")


def from_dict(data: Any) -> OpenSale:
    if not isinstance(data, dict) or "format" not in data:
        raise _bad("no format version")
    if data["format"] != FORMAT:
        raise _bad(f"format {data['format']!r}, this version reads format {FORMAT}; a newer "
                   "pos-terminal wrote it")
    r = _Reader(data, "sale", SALE_FIELDS)
    cart = Cart(
        lines=[_read_line(x, f"line {i + 1}") for i, x in enumerate(r.items("lines"))],
        sale_discount=r.whole("sale_discount"), sale_discount_ppm=r.whole("sale_discount_ppm"),
        overrides=[_read_override(x, f"override {i + 1}")
                   for i, x in enumerate(r.items("overrides"))],
        age_confirmed=r.whole("age_confirmed"), age_refused=r.opt_whole("age_refused"),
    )
    cart._next_line = r.whole("next_line")
    return OpenSale(
        id=r.text("id"), user_id=r.whole("user_id"), training=r.flag("training"),
        started_at=r.text("started_at"), cart=cart,
        vouchers=[_read_tender(x, f"voucher {i + 1}")
                  for i, x in enumerate(r.items("vouchers"))],
        tenders=[_read_tender(x, f"tender {i + 1}") for i, x in enumerate(r.items("tenders"))],
    )


def loads(text: str) -> OpenSale:
    try:
        data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, and a float/NaN where an int belongs
        raise _bad(f"not JSON: {exc}") from exc
    return from_dict(data)

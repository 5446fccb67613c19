"""The catalog: products as the central sends them, their pages, and a register's proposal.

``GET /catalog?since=VERSION[&limit=N]`` → ``{"version": int, "products": [Product, ...],
"more": bool, "promotions": [...], "deposits": [...]}``: products (and retail rules,
``_retail``) changed after ``since``; with ``"more": true`` another page follows at once and
``version`` is the last product's, so ``since=version`` goes on. ``product.proposed`` events
carry ``{"product": Product}`` (``version`` may be left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pos_protocol._errors import WireError
from pos_protocol.wire import _fields as f
from pos_protocol.wire._record import Custom, Payload, record, spec
from pos_protocol.wire._retail import DepositType, PromotionRule, retail_lists


@dataclass(frozen=True)
class Barcode:
    code: str
    multiplier: int = 1
    pack_price: int | None = None
    # A DepositType code charged once per scan of this barcode (a crate), on top of the
    # product's per-unit deposit. Optional: sent only when set; older registers ignore it.
    deposit: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        if d["deposit"] is None:
            del d["deposit"]
        return d


@dataclass(frozen=True)
class Product:
    """A catalog entry as the central sends it (``GET /catalog``); money in minor units."""

    sku: str
    name: str
    tax_class: str
    price: int
    version: int
    variant: str = ""
    group: str = ""
    department: str = ""
    vendor: str = ""
    unit: str = "each"
    price_per: int = 1
    cost: int | None = None
    barcodes: tuple[Barcode, ...] = ()
    reorder_point: int | None = None
    par_level: int | None = None
    min_age: int | None = None
    max_per_sale: int | None = None
    active: bool = True
    deposit: str | None = None  # a DepositType code, charged per base unit
    tare: int | None = None  # base units taken off a weight entered at the register

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["barcodes"] = [b.to_json() for b in self.barcodes]
        return d


def parse_product(obj: Any, where: str = "product") -> Product:
    if not isinstance(obj, dict):
        raise WireError(where, "expected an object")
    unit = f.text(obj, "unit", where, 8, required=False) or "each"
    if unit not in ("each", "g", "ml"):
        raise WireError(f"{where}.unit", "expected each, g or ml")
    codes = obj.get("barcodes", [])
    if not isinstance(codes, list):
        raise WireError(f"{where}.barcodes", "expected a list")
    barcodes = []
    for i, b in enumerate(codes):
        bw = f"{where}.barcodes[{i}]"
        if not isinstance(b, dict):
            raise WireError(bw, "expected an object")
        barcodes.append(Barcode(f.text(b, "code", bw, 48),
                                f.integer(b, "multiplier", bw, required=False, lo=1) or 1,
                                f.integer(b, "pack_price", bw, required=False, lo=0),
                                f.text(b, "deposit", bw, 16, required=False) or None))
    active = f.flag(obj, "active", where, default=True)
    return Product(
        sku=f.text(obj, "sku", where, 64), name=f.text(obj, "name", where, 200),
        tax_class=f.text(obj, "tax_class", where, 16),
        price=f.integer(obj, "price", where, lo=0) or 0,
        version=f.integer(obj, "version", where, lo=0, hi=2**62) or 0,
        variant=f.text(obj, "variant", where, 100, required=False),
        group=f.text(obj, "group", where, 100, required=False),
        department=f.text(obj, "department", where, 100, required=False),
        vendor=f.text(obj, "vendor", where, 100, required=False),
        unit=unit, price_per=f.integer(obj, "price_per", where, required=False, lo=1) or 1,
        cost=f.integer(obj, "cost", where, required=False, lo=0), barcodes=tuple(barcodes),
        reorder_point=f.integer(obj, "reorder_point", where, required=False, lo=0),
        par_level=f.integer(obj, "par_level", where, required=False, lo=0),
        min_age=f.integer(obj, "min_age", where, required=False, lo=0, hi=120),
        max_per_sale=f.integer(obj, "max_per_sale", where, required=False, lo=1),
        active=active,
        deposit=f.text(obj, "deposit", where, 16, required=False) or None,
        tare=f.integer(obj, "tare", where, required=False, lo=0, hi=100_000),
    )


@dataclass(frozen=True)
class CatalogPage:
    version: int
    products: tuple[Product, ...]
    more: bool = False
    promotions: tuple[PromotionRule, ...] = ()
    deposits: tuple[DepositType, ...] = ()


def parse_catalog_page(obj: Any) -> CatalogPage:
    body = f.obj(obj, "answer")
    version = f.integer(body, "version", "", lo=0, hi=2**62) or 0
    items = f.items(body, "products")
    products = tuple(parse_product(p, f"products[{i}]") for i, p in enumerate(items))
    return CatalogPage(version, products, f.flag(body, "more"), *retail_lists(body))


def _proposed_product(obj: Any, where: str) -> Product:
    if isinstance(obj, dict) and "version" not in obj:
        obj = {**obj, "version": 0}  # a proposal has no catalog version yet
    return parse_product(obj, where)


@record
class ProductProposed(Payload):
    """``product.proposed``: a product a register made (an unknown barcode at receiving) for
    the central to adopt into its catalog."""

    TYPE = "product.proposed"
    product: Product = spec(Custom(_proposed_product, Product.to_json))

"""``pos-central promotions``: promotions, deposit types and product deposits / tares.

    pos-central promotions import FILE.json   (every entry or none; docs/promotions.md)
    pos-central promotions list [--json]

Each change takes the next catalog version: registers pull it with their catalog.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pos_central.errors import BadInput


def add_parser(sub: Any, db: argparse.ArgumentParser) -> None:
    pr = sub.add_parser("promotions", help="promotions and deposits: import FILE, list",
                        description=__doc__, parents=[db],
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    what = pr.add_subparsers(dest="promotions_command", required=True, metavar="ACTION")
    sp = what.add_parser("import", help="import a JSON file of promotions, deposits and "
                         "product deposit/tare links", parents=[db])
    sp.add_argument("file", metavar="FILE.json")
    sp.set_defaults(func=run)
    sp = what.add_parser("list", help="the promotions, deposit types and linked products",
                         parents=[db])
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pos_central.cli import _engine
    from pos_central.services import retail

    if args.promotions_command == "import":
        path = Path(args.file)
        try:
            body = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not valid JSON ({exc})"
            raise BadInput(f"cannot read {path}: {reason}", "file") from exc
        engine = _engine(args)
        try:
            got = retail.import_rules(engine, body)
        finally:
            engine.dispose()
        print(f"imported: {got.promotions} promotion(s), {got.deposits} deposit type(s), "
              f"{got.products} product link(s) changed, {got.unchanged} unchanged; "
              f"catalog version {got.version}")
        return 0
    engine = _engine(args)
    try:
        data = retail.list_rules(engine)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for p in data["promotions"]:
        state = "" if p["active"] else "  (ended)"
        print(f"{p['id']:<12} {p['kind']:<10} {p['label']}{state}")
    for d in data["deposits"]:
        print(f"deposit {d['code']:<8} {d['name']}  {d['amount']}")
    for x in data["products"]:
        if "barcodes" in x:  # a pack barcode's own deposit (the crate)
            for b in x["barcodes"]:
                print(f"product {x['sku']:<10} barcode {b['code']} deposit={b['deposit']}")
            continue
        print(f"product {x['sku']:<10} deposit={x['deposit'] or '-'} tare={x['tare'] or '-'}")
    if not any(data.values()):
        print("no promotions or deposits yet")
    return 0

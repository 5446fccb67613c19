"""``pos-central transfers list``: the admin's view of transfers from a shell, fed by real
registers' transfer events over ``/api/v1/events``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from central_helpers import Till, World, event, movement


def _send(till: Till, number: str, to: str, qty: int) -> str:
    tid = str(uuid.uuid4())
    r = till.post([event(movement("100001", -qty, "transfer_out", reference=tid),
                         type_="stock.transferred_out", transfer_id=tid, number=number,
                         to_store=to, lines=[{"sku": "100001", "quantity": qty}])])
    assert r.status_code == 200 and not r.json()["rejected"], r.text
    return tid


def _receive(till: Till, tid: str, number: str, from_: str, sent: int, got: int) -> None:
    r = till.post([event(movement("100001", got, "transfer_in", reference=tid),
                         type_="stock.transferred_in", transfer_id=tid, number=number,
                         from_store=from_,
                         lines=[{"sku": "100001", "sent": sent, "received": got}])])
    assert r.status_code == 200 and not r.json()["rejected"], r.text


def test_transfers_list_command(world: World, capsys: Any) -> None:
    from pos_central.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["transfers", "list", *args, "--db", world.central.db_url])
        got = capsys.readouterr()
        return code, got.out, got.err

    code, out, _ = run()
    assert (code, out) == (0, "no transfers\n")
    short = _send(world["S1/R1"], "T-S1-R1-000001", "S2", 10)
    _receive(world["S2/R1"], short, "T-S1-R1-000001", "S1", 10, 8)
    _send(world["S1/R2"], "T-S1-R2-000001", "S2", 4)
    _send(world["S2/R1"], "T-S2-R1-000001", "S9", 2)  # a store the central does not know

    code, out, _ = run("--json")
    got = {x["number"]: x for x in json.loads(out)}
    assert code == 0 and sorted(got) == ["T-S1-R1-000001", "T-S1-R2-000001", "T-S2-R1-000001"]
    assert got["T-S1-R1-000001"]["status"] == "received_with_discrepancies"
    assert got["T-S1-R1-000001"]["lines"] == [{"sku": "100001", "sent": 10, "received": 8,
                                               "damaged": 0}]
    assert got["T-S2-R1-000001"]["problem"] == "sent to S9, a store the central does not know"

    code, out, _ = run("--store", "S1", "--status", "in_transit")
    assert code == 0 and len(out.splitlines()) == 1
    assert out.startswith("T-S1-R2-000001  S1 -> S2  in_transit  sent ")
    code, out, _ = run("--store", "S2")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3  # two to S2, one from it
    flagged = next(line for line in lines if line.startswith("T-S2-R1-000001"))
    assert "units 2 / —" in flagged and "CHECK: sent to S9" in flagged
    received = next(line for line in lines if line.startswith("T-S1-R1-000001"))
    assert "received_with_discrepancies" in received and "units 10 / 8" in received
    code, out, _ = run("--store", "S1", "--status", "received")
    assert (code, out) == (0, "no transfers from or to S1 received\n")

    code, out, err = run("--store", "S7")
    assert code == 1 and out == "" and err == "error: unknown store S7\n"
    code, _, err = run("--limit", "0")
    assert code == 1 and "--limit" in err and len(err.splitlines()) == 1

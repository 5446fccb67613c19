"""pos-protocol: what the register (``pos_terminal``) and the central (``pos_central``) share,
and nothing else does. Pure Python (biip for GTINs); neither side is imported from here.

Public faces (each with ``__all__``; modules starting with ``_`` are private):

- ``pos_protocol`` (this module): the error bases both sides raise and catch, the one codec of
  wire time, and the hashing of people's secrets (PINs, passwords).
- ``pos_protocol.wire``: sync protocol v1 by resource, with a typed payload for every event.
- ``pos_protocol.money``: currencies, integer minor units, amounts typed and shown.
- ``pos_protocol.barcode`` / ``pos_protocol.gtin``: barcode normalisation, GTIN check digits.
- ``pos_protocol.catalog_csv``: the catalog CSV reader (register and central read the same
  files).
"""

from pos_protocol._errors import BarcodeError, InputError, PosError, WireError
from pos_protocol._hashing import hash_secret, secret_matches
from pos_protocol._wiretime import WIRE_TIME, from_wire_time, to_wire_time, wire_time_now

__all__ = [
    "WIRE_TIME", "BarcodeError", "InputError", "PosError", "WireError", "from_wire_time",
    "hash_secret", "secret_matches", "to_wire_time", "wire_time_now",
]

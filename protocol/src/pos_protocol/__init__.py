"""pos-protocol: what the register (``pos_terminal``) and the central (``pos_central``) share,
and nothing else does. Pure Python (biip for GTINs); neither side is imported from here.

Public faces:

- ``pos_protocol`` (this module): the error bases both sides raise and catch.
- ``pos_protocol.wire``: sync protocol v1, the JSON shapes and their parsers.
- ``pos_protocol.money``: currencies, integer minor units, amounts typed and shown.
- ``pos_protocol.barcode`` / ``pos_protocol.gtin``: barcode normalisation, GTIN check digits.
- ``pos_protocol.catalog_csv``: the catalog CSV reader (register and central import the same
  files).
"""

from pos_protocol._errors import BarcodeError, InputError, PosError

__all__ = ["BarcodeError", "InputError", "PosError"]

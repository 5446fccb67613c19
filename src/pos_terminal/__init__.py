"""pos-terminal: an offline-first point-of-sale register with a perpetual inventory ledger."""

__version__ = "0.1.0"

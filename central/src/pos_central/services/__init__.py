"""The central's use cases: plain functions taking an engine and plain values, one transaction
each, raising only ``pos_central.errors``."""

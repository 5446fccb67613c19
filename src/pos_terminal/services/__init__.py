"""Use cases: one transaction each, plain values in and out, no Qt."""

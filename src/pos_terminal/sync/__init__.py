"""Outbox sync with the central inventory service (worker, client, wire schema)."""

"""pos-central: the central inventory service (FastAPI on PostgreSQL)."""

"""The central's web dashboard, served by ``pos-central serve`` at ``/`` beside the API.

Server-rendered HTML (Jinja2 templates and one stylesheet from this package; nothing is
fetched from the internet), signed-in admins and read-only owners, CSRF-checked forms.
docs/dashboard.md describes it for people.
"""

from pos_central.dashboard.routes import build_router, mount

__all__ = ["build_router", "mount"]

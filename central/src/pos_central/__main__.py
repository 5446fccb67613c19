"""``python -m pos_central`` runs the ``pos-central`` command."""

from pos_central.cli import main

raise SystemExit(main())

"""Entry point of the bundled program: the same ``pos-terminal`` command as the installed one."""

from pos_terminal.cli import main

raise SystemExit(main())

"""Entry point of the bundled program: the same ``pos-terminal`` command as the installed one."""

import multiprocessing

multiprocessing.freeze_support()  # a big catalog import reads its file in a spawned child

from pos_terminal.cli import main  # noqa: E402

raise SystemExit(main())

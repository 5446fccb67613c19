from pos_terminal.cli import main

raise SystemExit(main())

from helpdesk_tui.cli import main

raise SystemExit(main())

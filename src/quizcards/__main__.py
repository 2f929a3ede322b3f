from quizcards.cli import main

raise SystemExit(main())

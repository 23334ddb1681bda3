"""``python -m bot`` is the same as the ``protocolwijzer`` console script."""

from bot.cli import main

raise SystemExit(main())

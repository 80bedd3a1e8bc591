"""``python -m validation.rectification``: regenerate docs/validation.md."""

from validation.rectification.report import main

raise SystemExit(main())

"""``python -m validation.thermal``: regenerate docs/validation_thermal.md."""

from validation.thermal.report import main

raise SystemExit(main())

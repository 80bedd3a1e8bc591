"""``python -m validation.front_shape``: regenerate docs/validation_front_shape.md."""

from validation.front_shape.report import main

raise SystemExit(main())

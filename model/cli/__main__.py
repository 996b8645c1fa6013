"""``python -m model.cli``: the same as the ``budgetsim`` command."""

import sys

from .main import main

sys.exit(main())

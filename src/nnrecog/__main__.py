"""``python -m nnrecog``: the same as the ``nnrecog`` command."""

import sys

from nnrecog.cli import main

sys.exit(main())

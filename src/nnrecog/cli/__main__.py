"""``python -m nnrecog.cli`` (what ``torchrun -m`` runs): the same as the ``nnrecog`` command."""

import sys

from nnrecog.cli import main

sys.exit(main())

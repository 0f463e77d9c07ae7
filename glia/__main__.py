"""``python -m glia``: the command-line interface (see glia.cli)."""
import sys

from glia.cli import main

sys.exit(main())

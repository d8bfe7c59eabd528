"""``python -m deploy build|render|up`` (see deploy/cli.py)."""

import sys

from deploy.cli import main

sys.exit(main())

"""``python -m aiokube.apiserver`` is ``aiokube serve``."""

import sys

from aiokube.apiserver.cli import main

sys.exit(main())

"""``python -m aiokube.apiserver`` is ``aiokube serve``."""

import sys

from .cli import main

sys.exit(main())

"""``python -m aiokube.apiserver`` is ``aiokube serve``."""

import sys

from aiokube.apiserver.launch import main

sys.exit(main())

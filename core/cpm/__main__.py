"""``python -m core.cpm train|eval-keypoints ...``."""

import sys

from core.cpm.cli import main

sys.exit(main())

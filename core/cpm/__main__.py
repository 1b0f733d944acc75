"""``python -m core.cpm train|eval-keypoints ...``."""

import sys

from core.cli.cpm import main

sys.exit(main())

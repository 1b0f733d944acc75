import sys

from core.cli.main import entry

sys.exit(entry())

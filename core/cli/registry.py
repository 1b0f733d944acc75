"""The one table of command groups: each group module's ``register(subparsers)`` adds its commands.

``core.cli.main`` builds the parser's own commands (``commands``, ``model``) and then calls each group here.
Groups are imported here and nowhere else, and import only ``core.cli.common`` of the CLI, so no command
module imports another back. A group whose package is not installed (the CPM's, the starter model's) is left
out, so ``--help`` lists what this installation can do.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

Register = Callable[[argparse._SubParsersAction], None]


def _optional_groups() -> list[ModuleType]:
    """The groups of optional packages, in the parser's order; an ImportError leaves a group out."""
    groups: list[ModuleType] = []
    try:
        from core.cli import cpm, finetune
    except ImportError:
        pass
    else:
        groups += [cpm, finetune]
    try:
        from core.cli import starter
    except ImportError:
        pass
    else:
        groups.append(starter)
    return groups


def registrations() -> list[Register]:
    """Every installed group's ``register``, in the order ``--help`` lists them."""
    from core.cli import classes, games, jobs, live, motion, status

    return [group.register for group in [*_optional_groups(), motion, live, games, classes, jobs, status]]

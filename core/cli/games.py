"""``game export NAME [-o FILE.sb3]`` and ``game import NAME FILE.sb3``: a project's Scratch game
(``core.data.project_games``) out to an ``.sb3`` Scratch opens, or one put in, checked first (``core.scratch.sb3``:
its size before a byte is read, then every check), replacing the game before whole or not at all."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli.common import open_store, reading_store


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "a project's Scratch game (Make a game): export it to an .sb3, or put one in"
    parser = sub.add_parser("game", help=help_text, description=help_text)
    parser.add_argument("action", choices=("export", "import"))
    parser.add_argument("name", help="the project")
    parser.add_argument("file", nargs="?", help="import: the .sb3 to put in")
    parser.add_argument("-o", "--output", help="export: the .sb3 to write (default NAME.sb3 here)")
    parser.set_defaults(handler=_game)


def _game(args: argparse.Namespace) -> int:
    return _export(args) if args.action == "export" else _import(args)


def _export(args: argparse.Namespace) -> int:
    from core.data.managed import check_output
    from core.data.project_games import load_game
    from core.io.atomic import write_bytes

    output = check_output(args.output or f"{args.name}.sb3", args.data)
    game = load_game(reading_store(args, args.name), args.name)
    if game is None:
        raise ValueError(f"project {args.name!r} has no Scratch game yet: save one on Make (Save to my project)")
    write_bytes(Path(output), game.data)
    print(f"wrote the Scratch game of project {args.name!r} ({len(game.data):,} bytes) to {output}")
    print(json.dumps({"project": args.name, "file": str(output), "bytes": len(game.data), "sha256": game.digest}))
    return 0


def _import(args: argparse.Namespace) -> int:
    from core.data.project_games import save_game
    from core.scratch.sb3 import Sb3Error, read_upload

    if not args.file:
        raise ValueError("game import needs the .sb3 file: game import NAME FILE.sb3")
    path = Path(args.file)
    try:
        with open(path, "rb") as handle:  # the size before a byte is read; then core.scratch.sb3's checks
            data = read_upload(handle, path.stat().st_size)
        stamp = save_game(open_store(args), args.name, data)
    except Sb3Error as exc:
        raise Sb3Error(f"{path}: {exc}") from None
    print(f"put {path} ({stamp.size:,} bytes) in as the Scratch game of project {args.name!r}")
    print(json.dumps({"project": args.name, "file": str(path), "bytes": stamp.size, "sha256": stamp.digest}))
    return 0

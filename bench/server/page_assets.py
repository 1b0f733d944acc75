"""What a student opening Live or Record costs the web process in the browser path's files (29 MB of wasm and the
hand model, served from the component's folder by ``python -m ui.server.serve``), and any page in Streamlit's own
files (the scripts, styles and fonts its ``index.html`` names, ``ui/server/streamlit_files.py``).

A scripted session (bench/server/scripted_tab.py) opens Live first, so that Streamlit knows the component. Then
the four files a page asks for are fetched, gzip accepted as a browser does: the first visit of the server's life,
``--visits`` more (a browser that kept nothing), then revalidated with their ETags (a browser that kept them).
Then Streamlit's page files, as a fresh browser asks for them first: a first visit and ``--visits`` more.
Server CPU from /proc (user + system) around each.

    .venv/bin/python -m bench.server.page_assets              # a table, then one JSON line
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import AppServer  # noqa: E402
from bench.server.scripted_tab import ScriptedTab  # noqa: E402
from ui.browser.component import BUILD_COMMAND, missing_assets  # noqa: E402
from ui.server.assets import COMPONENT_NAME  # noqa: E402

FILES = ("app.js", "vision_wasm_internal.wasm", "ort-wasm-simd-threaded.wasm", "hand_landmarker.task")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fetch(url: str, etag: str | None = None) -> tuple[int, int, str]:
    headers = {"Accept-Encoding": "gzip, deflate, br", **({"If-None-Match": etag} if etag else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as reply:
            return reply.status, len(reply.read()), reply.headers.get("ETag", "")
    except urllib.error.HTTPError as error:  # 304 comes as an "error"
        return error.code, len(error.read()), error.headers.get("ETag", "")


def visit(server: AppServer, etags: dict[str, str] | None = None) -> dict:
    base = f"{server.url}/component/{COMPONENT_NAME}"
    before, started = cpu_s(server.process.pid), time.perf_counter()
    answers = {name: fetch(f"{base}/{name}", (etags or {}).get(name)) for name in FILES}
    return {"server_cpu_s": round(cpu_s(server.process.pid) - before, 3), "wall_s": round(time.perf_counter() - started, 3),
            "bytes": sum(a[1] for a in answers.values()), "statuses": sorted({a[0] for a in answers.values()}),
            "etags": {name: a[2] for name, a in answers.items()}}  # fmt: skip


def streamlit_visit(server: AppServer) -> dict:
    """Streamlit's files its page names (``./static/…``: its first script, the modules it preloads, styles, a font)."""
    with urllib.request.urlopen(f"{server.url}/", timeout=60) as reply:
        page = reply.read().decode()
    names = sorted(set(re.findall(r'(?:href|src)="\./(static/[^"]+)"', page)))
    before, started = cpu_s(server.process.pid), time.perf_counter()
    answers = [fetch(f"{server.url}/{name}") for name in names]
    return {"server_cpu_s": round(cpu_s(server.process.pid) - before, 3), "wall_s": round(time.perf_counter() - started, 3),
            "bytes": sum(a[1] for a in answers), "statuses": sorted({a[0] for a in answers}), "files": len(names)}  # fmt: skip


async def open_live(server: AppServer) -> None:
    tab = ScriptedTab(server.url, "live")
    await tab.open()
    await tab.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=5, help="visits after the first, each fetching everything")
    args = parser.parse_args()
    if missing_assets():
        sys.exit(f"the browser path is not built: run {BUILD_COMMAND}")
    with tempfile.TemporaryDirectory(prefix="handteach-bench-assets-") as tmp:
        server = AppServer(Path(tmp) / "data", keypoints="browser").start()
        try:
            asyncio.run(open_live(server))
            first = visit(server)
            if first["statuses"] != [200]:
                sys.exit(f"the server answered {first['statuses']} for the component's files")
            later = [visit(server) for _ in range(args.visits)]
            kept = [visit(server, first["etags"]) for _ in range(args.visits)]
            own_first = streamlit_visit(server)
            own_later = [streamlit_visit(server) for _ in range(args.visits)]
        finally:
            server.stop()
    mean = lambda runs, key: round(sum(r[key] for r in runs) / len(runs), 3)  # noqa: E731
    rows = [("the four files, the server's first visit", first["server_cpu_s"], first["wall_s"], first["bytes"], first["statuses"]),
            ("the four, later visit, nothing kept", mean(later, "server_cpu_s"), mean(later, "wall_s"), later[0]["bytes"],
             later[0]["statuses"]),
            ("the four, later visit, kept (ETag)", mean(kept, "server_cpu_s"), mean(kept, "wall_s"), kept[0]["bytes"],
             kept[0]["statuses"]),
            (f"Streamlit's {own_first['files']} files, first visit", own_first["server_cpu_s"], own_first["wall_s"],
             own_first["bytes"], own_first["statuses"]),
            (f"Streamlit's {own_first['files']} files, later visit", mean(own_later, "server_cpu_s"),
             mean(own_later, "wall_s"), own_later[-1]["bytes"], own_later[-1]["statuses"])]  # fmt: skip
    print(f"{'the files of a page':<42}{'server CPU s':>13}{'wall s':>8}{'bytes':>11}  HTTP")
    for name, cpu, wall, size, statuses in rows:
        print(f"{name:<42}{cpu:>13.3f}{wall:>8.3f}{size:>11,}  {statuses}")
    print(json.dumps({"files": list(FILES), "visits": args.visits, "first_cpu_s": first["server_cpu_s"],
                      "later_cpu_s": rows[1][1], "kept_cpu_s": rows[2][1], "later_bytes": later[0]["bytes"],
                      "kept_bytes": kept[0]["bytes"], "streamlit_files": own_first["files"],
                      "streamlit_first_cpu_s": rows[3][1], "streamlit_later_cpu_s": rows[4][1],
                      "streamlit_later_bytes": rows[4][3], "load_avg": round(os.getloadavg()[0], 2)}))  # fmt: skip


if __name__ == "__main__":
    main()

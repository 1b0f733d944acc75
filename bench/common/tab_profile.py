"""Where a tab's page thread goes: a few seconds of Chrome's CPU profiler (the DevTools protocol's ``Profiler``
domain, through a Playwright CDP session on the page: its renderer's main thread, the same-origin frames with it;
workers are not in it), summed by function and script.

    shares = profile(page, seconds=6)  # {"scratch-gui.js stepThreads": 21.4, "(idle)": 12.0, ...}: % of the samples
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any


def self_time_shares(cpu_profile: dict[str, Any], top: int = 15) -> dict[str, float]:
    """The ``top`` places by self time, as % of all samples: "<script> <function>", or Chrome's own "(idle)",
    "(program)", "(garbage collector)"; the rest as "(all else)"."""
    names = {}
    for node in cpu_profile["nodes"]:
        frame = node["callFrame"]
        script = frame.get("url", "").rsplit("/", 1)[-1].split("?")[0]
        function = frame.get("functionName") or "(anonymous)"
        names[node["id"]] = f"{script} {function}".strip() if script else function
    counts = Counter(names[sample] for sample in cpu_profile.get("samples", []))
    total = sum(counts.values()) or 1
    shares = {name: round(100 * n / total, 1) for name, n in counts.most_common(top)}
    shares["(all else)"] = round(100 - sum(shares.values()), 1)
    return shares


def profile(page, seconds: float, top: int = 15) -> dict[str, float]:  # noqa: ANN001 - playwright Page
    """``seconds`` of the page's main-thread CPU profile (1 ms sampling), summed by ``self_time_shares``."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
    cdp.send("Profiler.start")
    time.sleep(seconds)
    result = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    return self_time_shares(result, top)

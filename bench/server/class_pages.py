"""What the class benchmarks share (``classroom.py`` and the two it runs instead, ``class_flood.py`` and
``scaled_class.py``): an observer's page load, a student's press and wait for their model, the 95th percentile, and a
result printed as a table then one JSON line. Its own module, so that none of them imports another."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

from bench.common import classroom_data as data

READY = """() => !!document.querySelector('[data-testid="stMainBlockContainer"] h1') &&
  !document.querySelector('[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]')"""


async def load_page(context, url: str) -> float:  # noqa: ANN001 - playwright BrowserContext
    """Seconds from asking for ``url`` in a new tab of the observer's browser (its cache warm, as a student's is
    after their first page) to the page drawn and its script ended: a new Streamlit session each time."""
    page = await context.new_page()
    start = time.monotonic()
    try:
        await page.goto(url, timeout=120_000)
        await page.wait_for_function(READY, timeout=120_000, polling=50)
        return time.monotonic() - start
    finally:
        await page.close()


async def press_and_wait(press, model: Path, delay: float, timeout: float,  # noqa: ANN001 - an async press()
                         measured_too: bool) -> tuple[float, float | None, float | None]:  # fmt: skip
    """(press time, seconds to the model saved, seconds to it measured) of one student; None: not within timeout
    (or, without ``measured_too``, not waited for)."""
    await asyncio.sleep(delay)
    await press()
    pressed = time.time()
    saved = measured = None
    while time.time() - pressed < timeout and measured is None and (measured_too or saved is None):
        seen = data.saved_at(model)
        if seen is not None and seen[0] >= pressed - 0.5:
            saved = saved or seen[0] - pressed
            measured = seen[0] - pressed if seen[1] else None
        await asyncio.sleep(0.25)
    return pressed, saved, measured


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1]
        if len(values) >= 2
        else (values[0] if values else float("nan"))
    )


def print_table_and_json(result: dict) -> None:
    """A benchmark's answer as its table, a line a key, then as one JSON line."""
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    print(json.dumps(result))

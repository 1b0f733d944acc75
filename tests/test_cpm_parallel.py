"""Data-parallel helpers: alone they do nothing; launched, the processes agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cpm.training import parallel


def test_alone_every_helper_is_a_no_op() -> None:
    assert not parallel.is_parallel()
    assert parallel.rank() == 0 and parallel.world_size() == 1
    assert parallel.max_across(0.25) == 0.25
    parallel.barrier()


def _report(folder: str) -> None:  # module level: spawned processes import it
    import torch

    rank = parallel.rank()
    agreed = parallel.max_across(0.1 * (rank + 1))
    Path(folder, f"{rank}.json").write_text(
        json.dumps({"world": parallel.world_size(), "max": agreed, "threads": torch.get_num_threads()})
    )


def _fail(_: str) -> None:
    if parallel.rank() == 1:
        raise RuntimeError("rank 1 broke")
    parallel.barrier()


@pytest.mark.slow
def test_launched_processes_share_one_decision(tmp_path: Path) -> None:
    parallel.launch(_report, 2, str(tmp_path))
    reports = [json.loads((tmp_path / f"{rank}.json").read_text()) for rank in (0, 1)]
    assert all(r["world"] == 2 and r["threads"] == 1 for r in reports)
    assert [r["max"] for r in reports] == pytest.approx([0.2, 0.2])  # both took the larger value


# extended: a failing data-parallel process: the shared decision test beside it launches the same processes
@pytest.mark.extended
@pytest.mark.slow
def test_an_error_in_one_process_stops_the_run(tmp_path: Path) -> None:
    # rank 0 waits at the barrier for rank 1, which fails: either error may be the one reported
    # (rank 1's own, or rank 0's lost connection), but the run must end instead of hanging
    with pytest.raises(Exception, match="rank 1 broke|Connection|Broken pipe"):
        parallel.launch(_fail, 2, str(tmp_path))

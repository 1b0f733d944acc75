"""Data-parallel training on one machine: N one-thread processes whose gradients are averaged.

Why: the CPM's convolutions are small, so torch splits them poorly across threads. On
the 2-core machines here one process with two threads trained 85–90 crops/s, while two
independent one-thread processes trained 70–78 crops/s *each*, and a data-parallel run
of two about 120 crops/s in all (gradients averaged every step, rank 0 validating
alone after each epoch). ``launch`` runs a function in N such processes joined by
``torch.distributed`` (gloo, a file rendezvous: no network), and the helpers below
let the training loop agree across them; with one process they do nothing.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def is_parallel() -> bool:
    """True inside a process started by ``launch`` with more than one process."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def rank() -> int:
    """This process's index (0 also when not parallel): rank 0 logs, validates and saves."""
    return dist.get_rank() if is_parallel() else 0


def world_size() -> int:
    return dist.get_world_size() if is_parallel() else 1


def max_across(value: float) -> float:
    """The largest ``value`` over all processes, so that every process takes the same decision."""
    if not is_parallel():
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return float(tensor.item())


def barrier() -> None:
    if is_parallel():
        dist.barrier()


def _entry(index: int, fn: Callable[..., None], processes: int, store: str, args: tuple) -> None:
    # A run started in the background (`nohup ... &`) inherits SIGINT ignored, and SIGTERM would kill
    # a process between two saves: both raise KeyboardInterrupt here, which the training loop handles.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=index, world_size=processes)
    try:
        fn(*args)
    finally:
        dist.destroy_process_group()


def launch(fn: Callable[..., None], processes: int, *args: object) -> None:
    """Run ``fn(*args)`` in ``processes`` fresh processes (one torch thread each) and wait for them.

    ``torch.multiprocessing.spawn`` starts them (spawned, not forked: forking a process
    that already runs OpenMP threads can hang), so ``fn`` and ``args`` must be picklable;
    an error in one process stops the others and is raised here; Ctrl-C or SIGTERM to this
    process stops them all (forwarded as SIGTERM, which the children turn into KeyboardInterrupt).
    """
    handle, store = tempfile.mkstemp(prefix="handteach-ddp-")  # the file rendezvous: no network
    os.close(handle)
    try:
        context = mp.spawn(_entry, args=(fn, processes, store, args), nprocs=processes, join=False)
        try:
            while not context.join():
                pass
        except KeyboardInterrupt:
            # `kill PID` (or Ctrl-C reaching only this process) stops the run: the children are told to stop
            # too, and are waited for, so none goes on training (and saving) without its parent
            for child in context.processes:
                if child.is_alive():
                    os.kill(child.pid, signal.SIGTERM)
            for child in context.processes:
                child.join(60)
                if child.is_alive():  # stuck in a collective its partner left: the last checkpoint stays
                    child.kill()
            raise
    finally:
        if os.path.exists(store):
            os.unlink(store)

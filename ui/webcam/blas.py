"""One BLAS thread for numpy once a webcam streams: the parallelism of a served webcam is across its sessions.

Every frame of every stream measures the hand's distances to the model's kept examples
(``core.gestures.familiarity``: one row against up to 14,000, a matrix product in numpy's OpenBLAS).
OpenBLAS splits such a product over its threads and its idle worker then spins: on the 2-core machine
``bench/speed/webcam.py --page live`` measured that worker at 7-9 ms of server CPU a frame (counted in the
bench's "reruns" line, which takes the threads it cannot name), where the product itself takes 0.1 ms on
one thread. One thread is also faster on the wall clock there (0.34 against 0.76 ms a product, loaded).
The limit is process-wide (OpenBLAS has no per-thread setting) and leaves torch's own pool alone.
"""

from __future__ import annotations

from functools import cache


@cache
def one_blas_thread() -> None:
    """Limit numpy's BLAS to one thread for the rest of the process (once; later calls do nothing)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")  # not a context: the limit stays

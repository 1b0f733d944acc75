"""core.outputs.channel: the producer never waits; a full queue drops the oldest and counts it; close joins."""

from __future__ import annotations

import threading

import pytest

from core.outputs.channel import Channel


def test_items_are_sent_in_order_and_counted() -> None:
    got: list[int] = []
    channel: Channel[int] = Channel("order", got.append, capacity=1000)
    for i in range(500):
        assert channel.put(i)
    channel.close()
    assert got == list(range(500))
    assert channel.stats().sent == 500 and channel.stats().dropped == 0
    assert not channel.alive


def test_a_stuck_receiver_never_blocks_put_and_drops_the_oldest() -> None:
    """``send`` hangs on its first item (a receiver that never answers): every put still returns at once."""
    release, first = threading.Event(), threading.Event()
    got: list[int] = []

    def stuck(item: int) -> None:
        first.set()
        release.wait()
        got.append(item)

    channel: Channel[int] = Channel("stuck", stuck, capacity=8)
    channel.put(0)
    assert first.wait(10)  # item 0 is in flight, the sender stuck on it
    accepted = [channel.put(i) for i in range(1, 1001)]  # would hang here if put waited for the sender
    stats = channel.stats()
    assert accepted.count(True) == 8 and stats.waiting == 8
    assert stats.dropped == 1000 - 8
    release.set()
    channel.close()
    assert got == [0, *range(993, 1001)]  # the newest eight survive
    assert channel.stats().sent == 9


def test_a_failing_send_is_counted_and_kept_and_the_channel_goes_on() -> None:
    got: list[int] = []

    def flaky(item: int) -> None:
        if item % 2:
            raise OSError(111, "Connection refused")
        got.append(item)

    channel: Channel[int] = Channel("flaky", flaky, capacity=100)
    for i in range(10):
        channel.put(i)
    channel.close()
    stats = channel.stats()
    assert got == [0, 2, 4, 6, 8]
    assert (stats.sent, stats.dropped) == (5, 5)
    assert stats.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_a_closed_channel_takes_nothing() -> None:
    channel: Channel[int] = Channel("closed", lambda _: None)
    channel.close()
    assert not channel.put(1)
    assert channel.stats().sent == 0
    with pytest.raises(ValueError, match="capacity"):
        Channel("bad", lambda _: None, capacity=0)

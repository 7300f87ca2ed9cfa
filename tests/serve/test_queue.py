"""Lanes: so many run at once, so many wait, the rest are refused with a time to retry."""

from __future__ import annotations

import asyncio

import pytest

from ponder.serve.queue import Lane, QueueFull


def test_a_lane_admits_its_width_plus_its_queue_and_refuses_the_next() -> None:
    lane = Lane("x", concurrency=2, queue_size=3)
    tickets = [lane.admit() for _ in range(5)]
    with pytest.raises(QueueFull) as full:
        lane.admit()
    assert full.value.retry_after >= 1
    tickets[0].finish()
    lane.admit()  # a place came free


def test_only_the_width_runs_at_once_and_the_rest_wait_their_turn() -> None:
    async def scenario() -> list[int]:
        lane = Lane("x", concurrency=1, queue_size=2)
        order: list[int] = []

        async def job(i: int) -> None:
            ticket = lane.admit()
            await ticket.start()
            order.append(i)
            assert lane.running == 1
            await asyncio.sleep(0.01)
            ticket.finish()

        await asyncio.gather(*(job(i) for i in range(3)))
        assert (lane.admitted, lane.running, lane.waiting) == (0, 0, 0)
        return order

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_a_ticket_given_back_twice_counts_once() -> None:
    lane = Lane("x", concurrency=1, queue_size=0)
    ticket = lane.admit()
    ticket.finish()
    ticket.finish()
    assert lane.admitted == 0


def test_retry_after_grows_with_the_queue() -> None:
    lane = Lane("x", concurrency=1, queue_size=50)
    lane._took(10.0)  # runs take a while
    short = lane.retry_after()
    for _ in range(20):
        lane.admit()
    assert lane.retry_after() > short
    assert lane.retry_after() <= 60

"""Per-user lanes: slow start, dop-hint cap, halving and pausing on 429, spreading over users."""

from __future__ import annotations

import asyncio

import pytest

from shared.destinations.dataverse.auth import TokenProvider
from shared.destinations.dataverse.throttle import LanePool, UserLane
from shared.destinations.errors import TransientError
from tests.fixtures.dataverse_fake import StaticTokens


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def lane(clock: Clock, max_dop: int = 52, name: str = "u") -> UserLane:
    return UserLane(name, TokenProvider(StaticTokens()), max_dop, clock)


def test_window_grows_to_the_dop_hint_and_no_further() -> None:
    clock = Clock()
    user = lane(clock)
    user.observe_dop_hint(10)
    for _ in range(50):
        user.on_success()
    assert user.limit == 10


def test_a_throttle_halves_the_window_pauses_the_lane_and_growth_slows() -> None:
    clock = Clock()
    user = lane(clock)
    user.observe_dop_hint(16)
    for _ in range(20):
        user.on_success()
    user.on_throttle(30.0)
    assert user.limit == 8
    assert user.free(clock.now) == 0
    clock.now += 31
    assert user.free(clock.now) == 8
    for _ in range(7):
        user.on_success()
    assert user.limit == 8  # additive increase: one step per full window, not per success
    user.on_success()
    assert user.limit == 9


def test_requests_go_to_the_user_with_most_room() -> None:
    clock = Clock()
    first, second = lane(clock, name="a"), lane(clock, name="b")
    pool = LanePool([first, second], clock)

    async def borrow_four() -> list[str]:
        names = []
        for _ in range(4):
            cm = pool.lane(1.0)
            names.append((await cm.__aenter__()).name)
        return names

    assert sorted(asyncio.run(borrow_four())) == ["a", "a", "b", "b"]


def test_when_every_user_is_paused_too_long_the_wait_becomes_a_transient_error() -> None:
    clock = Clock()
    user = lane(clock)
    user.on_throttle(120.0)
    pool = LanePool([user], clock)

    async def borrow() -> None:
        async with pool.lane(max_wait=5.0):
            pass

    with pytest.raises(TransientError) as caught:
        asyncio.run(borrow())
    assert caught.value.retry_after == pytest.approx(120.0)

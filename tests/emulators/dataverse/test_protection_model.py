"""The service-protection model on a fake clock: sliding window, Retry-After, per-user counters."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.dataverse.config import Limits, load_users
from emulators.dataverse.cost import CostModel
from emulators.dataverse.errors import DataverseError
from emulators.dataverse.protection import ServiceProtection


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_window_slides_and_retry_after_counts_down() -> None:
    clock = FakeClock()
    protection = ServiceProtection(Limits(max_requests=3), window_s=300.0, clock=clock)
    for step in range(3):
        clock.now = 1000.0 + step * 10
        protection.admit("u")
        protection.release("u", 10.0)
    clock.now = 1100.0
    with pytest.raises(DataverseError) as first:
        protection.admit("u")
    clock.now = 1250.0
    with pytest.raises(DataverseError) as later:
        protection.admit("u")
    clock.now = 1300.5  # the first charge (t=1000) has left the window
    protection.admit("u")
    assert first.value.status == 429
    assert first.value.headers["Retry-After"] == "200"
    assert later.value.headers["Retry-After"] == "50"
    assert protection.counters()["u"]["throttled"] == {"0x80072322": 2}


def test_execution_time_ceiling_matches_the_documented_formula() -> None:
    costs = CostModel()
    clock = FakeClock()
    protection = ServiceProtection(Limits(), window_s=300.0, clock=clock)
    served = 0
    cost = costs.charge("create_multiple", 1000)
    with pytest.raises(DataverseError) as throttled:
        while True:
            protection.admit("u")
            protection.release("u", cost)
            served += 1
    # 1,200,000 ms / 8,060 ms = 148.9: the window limit trips once it is exceeded.
    assert cost == 8060.0
    assert served == 149
    assert throttled.value.code == "0x80072321"


def test_no_window_at_time_scale_zero_keeps_totals_only() -> None:
    protection = ServiceProtection(Limits(max_requests=1), window_s=None)
    for _ in range(5):
        protection.admit("u")
        protection.release("u", 40.0)
    counters = protection.counters()["u"]
    assert counters["requests_total"] == 5
    assert counters["execution_total_ms"] == 200.0
    assert counters["window_requests"] == 0


def test_users_file_errors_name_the_file_and_path(tmp_path: Path) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  - name: Loader\n    client_id: abc\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"users\.yaml: users\[0\]\.client_secret: Field required"):
        load_users(str(users))
    assert [u.name for u in load_users("A:id-a:secret-a,B:id-b:secret-b")] == ["A", "B"]


def test_retry_after_waits_for_enough_execution_time_to_leave() -> None:
    clock = FakeClock()
    protection = ServiceProtection(Limits(max_execution_ms=1000), window_s=300.0, clock=clock)
    for step, cost in enumerate((400.0, 400.0, 400.0)):
        clock.now = 1000.0 + step * 100
        protection.admit("u")
        protection.release("u", cost)
    clock.now = 1250.0
    with pytest.raises(DataverseError) as throttled:
        protection.admit("u")
    # 1,200 ms charged, limit 1,000: the first charge (t=1000) must leave, at t=1300.
    assert throttled.value.headers["Retry-After"] == "50"
    assert throttled.value.code == "0x80072321"

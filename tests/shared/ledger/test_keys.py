"""Table keys: any source id becomes a legal key and decodes back exactly."""

from __future__ import annotations

import pytest

from shared.ledger.keys import escape_key, join_key, prefix_range, unescape_key


@pytest.mark.parametrize("text", ["P/001", "a\\b#c?d", "100%", "tab\there", "x~y", "plain-42"])
def test_escape_round_trips_and_removes_forbidden_characters(text: str) -> None:
    escaped = escape_key(text)
    assert not set(escaped) & set("/\\#?\t")
    assert unescape_key(escaped) == text


def test_joined_keys_of_one_prefix_fall_in_its_range() -> None:
    low, high = prefix_range(join_key("run-1"))
    inside = [join_key("run-1", t) for t in ("contact", "account", "new_x~y")]
    assert all(low <= key < high for key in inside)
    assert not low <= join_key("run-10", "contact") < high

"""Evaluates a parsed `$filter` against plain dicts (used for metadata, which is small)."""

from __future__ import annotations

from typing import Any

from emulators.dataverse.odata.filter import (
    Compare,
    Function,
    Logical,
    Node,
    Not,
    QueryFunction,
)


def _resolve(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _comparable(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def matches(node: Node, item: dict[str, Any]) -> bool:
    """True when `item` satisfies the expression; strings compare case-insensitively."""
    if isinstance(node, Logical):
        if node.op == "and":
            return matches(node.left, item) and matches(node.right, item)
        return matches(node.left, item) or matches(node.right, item)
    if isinstance(node, Not):
        return not matches(node.operand, item)
    if isinstance(node, QueryFunction):
        value = _comparable(_resolve(item, node.path))
        options = [_comparable(v.value) for v in node.values]
        if node.name in ("In", "NotIn"):
            return (value in options) == (node.name == "In")
        return False
    left = _comparable(_resolve(item, node.path))
    right = _comparable(node.value.value)
    if isinstance(node, Function):
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        if node.name == "contains":
            return right in left
        if node.name == "startswith":
            return left.startswith(right)
        return left.endswith(right)
    return _compare(node, left, right)


def _compare(node: Compare, left: Any, right: Any) -> bool:
    if node.op == "eq":
        return bool(left == right)
    if node.op == "ne":
        return bool(left != right)
    if left is None or right is None:
        return False
    try:
        if node.op == "gt":
            return bool(left > right)
        if node.op == "ge":
            return bool(left >= right)
        if node.op == "lt":
            return bool(left < right)
        return bool(left <= right)
    except TypeError:
        return False

"""System query options of metadata requests: `$select` lists and nested `$expand` clauses."""

from __future__ import annotations

from typing import Any


def split_top_level(text: str, separator: str) -> list[str]:
    """Splits on `separator` outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def parse_expand(text: str | None) -> dict[str, dict[str, str]]:
    """`Attributes($select=a,b;$filter=x),Keys` -> {"Attributes": {"$select": "a,b", ...}, ...}."""
    out: dict[str, dict[str, str]] = {}
    for item in split_top_level(text or "", ","):
        name, _, inner = item.partition("(")
        options: dict[str, str] = {}
        for option in split_top_level(inner[:-1] if inner.endswith(")") else inner, ";"):
            key, _, value = option.partition("=")
            options[key.strip()] = value.strip()
        out[name.strip()] = options
    return out


def project(
    item: dict[str, Any], select: str | None, always: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Keeps the `$select`ed members (plus `always` and @odata annotations)."""
    if not select:
        return item
    names = {name.strip() for name in select.split(",")} | set(always)
    return {k: v for k, v in item.items() if k in names or k.startswith("@odata")}

"""Source keys as they travel to a destination, and lookups rendered as bind-by-key values.

A record's destination key is `<source system>.<kind>.<source id>`. Dataverse cannot address a
key that contains any of `/ < > * % & : \\ ? +` (the request breaks), so those characters, `'`,
`#`, `~` and whitespace are written as `~XX` (hex). Ids made of letters, digits, `-`, `_` and `.`
pass unchanged, so keys stay readable: `aerona.patient.10233`.

Lookups never need an id map:
- Dataverse: `"<navigation property>@odata.bind": "/<entity set>(<key column>='<key>')"`.
- Salesforce: `"<relationship>.<external id field>": "<key>"` (Bulk API 2.0 relationship column).
"""

from __future__ import annotations

_UNSAFE = "/<>*%&:\\?+'#~\"\t\n\r "
_ESCAPES = {ord(c): f"~{ord(c):02X}" for c in _UNSAFE}


def escape_id(source_id: str) -> str:
    """A source id with the characters a key URL cannot carry escaped as `~XX`."""
    if source_id.isalnum():
        return source_id
    return source_id.translate(_ESCAPES)


def unescape_id(escaped: str) -> str:
    """The inverse of `escape_id`."""
    if "~" not in escaped:
        return escaped
    parts = escaped.split("~")
    return parts[0] + "".join(chr(int(p[:2], 16)) + p[2:] for p in parts[1:])


def destination_key(source_system: str, kind: str, source_id: str) -> str:
    """The key written to the destination's source-id column for one canonical record."""
    return f"{source_system}.{kind}.{escape_id(source_id)}"


def odata_literal(value: str) -> str:
    """A string as an OData literal inside a key segment (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def dataverse_bind(entity_set: str, key_column: str, key: str) -> str:
    """The `@odata.bind` value addressing a row by an alternate key."""
    return f"/{entity_set}({key_column}={odata_literal(key)})"


def dataverse_bind_id(entity_set: str, record_id: str) -> str:
    """The `@odata.bind` value addressing a row by its primary id (users, references)."""
    return f"/{entity_set}({record_id})"

"""A multipart/form-data body split into named parts (deploys, Bulk multipart, files)."""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from emulators.salesforce.errors import bad_request


@dataclass
class Part:
    """One part: its form name, file name and bytes."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def parse_multipart(body: bytes, content_type: str) -> list[Part]:
    """The parts of a multipart body; 400 INVALID_MULTIPART_REQUEST when malformed."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise bad_request("INVALID_MULTIPART_REQUEST", "not a multipart body")
    parts = []
    for item in message.iter_parts():
        name = item.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = item.get_payload(decode=True)
        parts.append(
            Part(
                name=name,
                filename=item.get_filename(),
                content_type=item.get_content_type(),
                data=payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts

"""Dr.DENTES (TR): cp1254 ';' CSV dump and Excel report downloads, decimal comma, d.MM.yyyy."""

from __future__ import annotations

from typing import ClassVar

from shared.sources.aerona import compact_identifiers
from shared.sources.export import SourceReader
from shared.sources.targets import Fields


class DrDentesReader(SourceReader):
    """Dr.DENTES exports; notes are HTML, refunds ('İade') are negative payments."""

    source_system: ClassVar[str] = "drdentes"
    profile_name: ClassVar[str] = "drdentes"

    def prepare_record(self, kind: str, fields: Fields) -> None:
        """Refunds are stored negative whatever sign the report shows; TCKN without spaces."""
        super().prepare_record(kind, fields)
        if kind == "payment" and fields.get("method") == "refund" and "amount" in fields:
            fields["amount"] = -abs(fields["amount"])
        if kind == "clinical_note":
            fields.setdefault("text_format", "html")
        compact_identifiers(fields, ("tr-tckn",))

"""CreateMultiple / UpdateMultiple / UpsertMultiple: bound to an entity set, all-or-nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from emulators.dataverse import errors
from emulators.dataverse.cost import CostModel
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.model import Table
from emulators.dataverse.odata.keys import parse_key, split_segment
from emulators.dataverse.references import References
from emulators.dataverse.store import Store
from emulators.dataverse.writes import Caller, Writer


def document_bytes(body: Any) -> int:
    """Base64 length of a note's document in a request body (0 when none)."""
    if isinstance(body, dict) and isinstance(body.get("documentbody"), str):
        return len(body["documentbody"])
    return 0


class BulkActions:
    """The bulk messages on standard tables: any error rolls the whole request back."""

    def __init__(self, store: Store, refs: References, writer: Writer, costs: CostModel) -> None:
        self.store = store
        self.refs = refs
        self.writer = writer
        self.costs = costs

    def _find(self, table: Table, key: str | dict[str, Any]) -> str | None:
        if isinstance(key, str):
            return key if self.store.exists(table.logical_name, key) else None
        return self.refs.by_key(table, key)

    def run(self, req: ApiRequest, table: Table, action: str, caller: Caller) -> ApiResponse:
        """Create/Update/UpsertMultiple: all-or-nothing on standard tables."""
        if action == "DeleteMultiple":
            raise errors.bad_request("DeleteMultiple has not yet been implemented.", "0x80040800")
        if not table.bulk_supported:
            raise errors.DataverseError(
                400,
                "0x80040800",
                f"The '{action}' method does not support entities of type '{table.logical_name}'.",
            )
        payload = req.json()
        targets = payload.get("Targets") if isinstance(payload, dict) else None
        if not isinstance(targets, list):
            raise errors.bad_request("Targets is required.", errors.PAYLOAD_ERROR)
        expected_type = f"Microsoft.Dynamics.CRM.{table.logical_name}"
        for target in targets:
            if not isinstance(target, dict) or target.get("@odata.type") != expected_type:
                raise errors.bad_request(
                    "Error identified in Payload provided by the user for Entity :'' ----> "
                    "InnerException : Microsoft.OData.ODataException: A type named '' could not "
                    "be resolved by the model. When a model is available, each type name must "
                    "resolve to a valid type.",
                    errors.PAYLOAD_ERROR,
                )
        documents = sum(document_bytes(t) for t in targets)
        operation = {
            "CreateMultiple": "create_multiple",
            "UpdateMultiple": "update_multiple",
            "UpsertMultiple": "upsert_multiple",
        }[action]
        cost = self.costs.charge(operation, len(targets), documents)
        with self.store.transaction():
            if action == "CreateMultiple":
                ids = [self.writer.create(table, t, caller).record_id for t in targets]
                body = {
                    "@odata.context": f"{req.service_root}/$metadata#Microsoft.Dynamics.CRM."
                    "CreateMultipleResponse",
                    "Ids": ids,
                }
                return ApiResponse(200, body, {}, cost, operation, len(targets))
            if action == "UpdateMultiple":
                self._update_multiple(table, targets, caller)
            else:
                self._upsert_multiple(req, table, targets, caller)
        return ApiResponse(204, None, {}, cost, operation, len(targets))

    def _update_multiple(self, table: Table, targets: list[dict[str, Any]], caller: Caller) -> None:
        seen: set[str] = set()
        missing = [
            str(t.get(table.primary_id))
            for t in targets
            if not self.store.exists(table.logical_name, str(t.get(table.primary_id)))
        ]
        if missing:
            raise errors.records_not_found(table.logical_name, missing)
        for target in targets:
            record_id = str(target[table.primary_id]).lower()
            if record_id in seen:
                continue  # duplicates: the first one wins, later ones are ignored
            seen.add(record_id)
            self.writer.update(table, record_id, target, caller)

    def _upsert_multiple(
        self, req: ApiRequest, table: Table, targets: list[dict[str, Any]], caller: Caller
    ) -> None:
        seen: set[str] = set()
        for target in targets:
            odata_id = target.get("@odata.id")
            key: str | dict[str, Any] | None = None
            if isinstance(odata_id, str):
                set_name, key_text = split_segment(unquote(odata_id.rsplit("/", 1)[-1]))
                if set_name != table.entity_set_name or key_text is None:
                    raise errors.bad_request("An unexpected error occurred.", errors.UNEXPECTED)
                key = parse_key(key_text)
            elif target.get(table.primary_id):
                key = str(target[table.primary_id]).lower()
            identity = json.dumps(key, sort_keys=True, default=str)
            if key is not None and identity in seen:
                raise errors.bad_request(
                    "An item with the same key has already been added.", errors.UNEXPECTED
                )
            seen.add(identity)
            record_id = self._find(table, key) if key is not None else None
            if record_id is not None:
                drop = (
                    frozenset(self.refs.key_columns(table, key))
                    if isinstance(key, dict)
                    else frozenset()
                )
                self.writer.update(table, record_id, target, caller, drop_columns=drop)
            elif isinstance(key, dict):
                from_url = self.refs.key_columns(table, key)
                if any(name in target for name in from_url):
                    raise errors.bad_request("An unexpected error occurred.", errors.UNEXPECTED)
                self.writer.create(table, target, caller, key_columns=from_url)
            else:
                self.writer.create(table, target, caller, record_id=key)

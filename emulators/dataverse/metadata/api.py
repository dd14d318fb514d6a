"""Routes metadata requests: EntityDefinitions, RelationshipDefinitions and CreateEntities."""

from __future__ import annotations

from emulators.dataverse import errors
from emulators.dataverse.cost import CostModel
from emulators.dataverse.http import ApiRequest, ApiResponse
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.reads import MetadataReader, find_column, find_table
from emulators.dataverse.metadata.render import label_text
from emulators.dataverse.metadata.writes import MetadataWriter
from emulators.dataverse.odata.keys import split_segment
from emulators.dataverse.store import Store

METADATA_ROOTS = frozenset(
    {
        "EntityDefinitions",
        "RelationshipDefinitions",
        "CreateEntities",
        "InsertOptionValue",
        "PublishXml",
        "PublishAllXml",
    }
)


class MetadataApi:
    """Reads and writes table definitions."""

    def __init__(self, store: Store, catalog: Catalog, costs: CostModel, key_activation_s: float):
        self.store = store
        self.catalog = catalog
        self.costs = costs
        self.reader = MetadataReader(catalog)
        self.writer = MetadataWriter(store, catalog, key_activation_s)

    def _created(self, url: str, count: int = 1) -> ApiResponse:
        cost = self.costs.charge("metadata_write") * count
        return ApiResponse(204, None, {"OData-EntityId": url}, cost, "metadata_write", count)

    def handle(self, req: ApiRequest, segments: list[str]) -> ApiResponse:
        """GET reads; POST creates; DELETE removes custom definitions."""
        self.writer.build_due_keys()
        if req.method == "GET":
            body = self.reader.get(req, segments)
            return ApiResponse(200, body, {}, self.costs.charge("metadata_read"), "metadata_read")
        root = req.service_root
        name, key_text = split_segment(segments[0])
        if req.method == "PATCH":
            # Definitions are updated with PUT of the whole definition, never PATCH.
            raise errors.DataverseError(
                405, "0x80060888", "The requested resource does not support http method 'PATCH'."
            )
        with self.store.transaction():
            if req.method == "PUT" and name == "EntityDefinitions" and key_text is not None:
                return self._put(req, key_text, segments[1:])
            if req.method == "POST" and name == "CreateEntities" and len(segments) == 1:
                entities = req.json().get("Entities") or []
                ids = [self.writer.create_table(item).metadata_id for item in entities]
                body = {
                    "@odata.context": f"{root}/$metadata#Microsoft.Dynamics.CRM."
                    "CreateEntitiesResponse",
                    "EntityIds": ids,
                }
                cost = self.costs.charge("metadata_write") * max(len(ids), 1)
                return ApiResponse(200, body, {}, cost, "metadata_write", len(ids))
            if req.method == "POST" and name in ("PublishXml", "PublishAllXml"):
                # Definitions are live as soon as they are saved; publishing has nothing to do.
                return ApiResponse(
                    204, None, {}, self.costs.charge("metadata_write"), "metadata_write"
                )
            if req.method == "POST" and name == "InsertOptionValue":
                value = self.writer.insert_option(req.json())
                body = {
                    "@odata.context": f"{root}/$metadata#Microsoft.Dynamics.CRM."
                    "InsertOptionValueResponse",
                    "NewOptionValue": value,
                }
                return ApiResponse(
                    200, body, {}, self.costs.charge("metadata_write"), "metadata_write"
                )
            if req.method == "POST" and name == "EntityDefinitions" and len(segments) == 1:
                table = self.writer.create_table(req.json())
                return self._created(f"{root}/EntityDefinitions({table.metadata_id})")
            if req.method == "POST" and name == "RelationshipDefinitions" and len(segments) == 1:
                rel = self.writer.create_lookup(req.json())
                return self._created(f"{root}/RelationshipDefinitions({rel.metadata_id})")
            if name == "EntityDefinitions" and key_text is not None and len(segments) == 2:
                return self._table_member(req, key_text, segments[1])
            if req.method == "DELETE" and name == "EntityDefinitions" and key_text is not None:
                table = find_table(self.catalog, key_text)
                if not table.is_custom:
                    raise errors.bad_request(
                        "Only custom tables can be deleted.", errors.INVALID_ARGUMENT
                    )
                self.catalog.remove_table(table.logical_name)
                return ApiResponse(
                    204, None, {}, self.costs.charge("metadata_write"), "metadata_write"
                )
        raise errors.no_http_resource(f"{root}/{'/'.join(segments)}")

    def _put(self, req: ApiRequest, key_text: str, rest: list[str]) -> ApiResponse:
        """PUT of a whole table or column definition: labels, required level, max length."""
        table = find_table(self.catalog, key_text)
        body = req.json()
        # Only language 1033 is emulated, so MSCRM.MergeLabels true and false agree.
        if not rest:
            table.display_name = label_text(body.get("DisplayName"), table.display_name)
            table.display_collection_name = label_text(
                body.get("DisplayCollectionName"), table.display_collection_name
            )
            table.has_notes = bool(body.get("HasNotes", table.has_notes))
        else:
            sub, sub_key = split_segment(rest[0])
            if sub != "Attributes" or sub_key is None or len(rest) > 1:
                raise errors.no_http_resource(f"{req.service_root}/EntityDefinitions/{rest[0]}")
            column = find_column(table, sub_key)
            column.display_name = label_text(body.get("DisplayName"), column.display_name)
            column.required = (body.get("RequiredLevel") or {}).get("Value", column.required)
            if column.type in ("String", "Memo") and body.get("MaxLength"):
                column.max_length = int(body["MaxLength"])
        self.catalog.save(table)
        return ApiResponse(204, None, {}, self.costs.charge("metadata_write"), "metadata_write")

    def _table_member(self, req: ApiRequest, key_text: str, member: str) -> ApiResponse:
        root = req.service_root
        table = find_table(self.catalog, key_text)
        sub, sub_key = split_segment(member)
        # The table segment is echoed as the request addressed it (LogicalName or MetadataId).
        base = f"{root}/EntityDefinitions({key_text})"
        if req.method == "POST" and sub == "Attributes" and sub_key is None:
            column = self.writer.create_column(table, req.json())
            return self._created(f"{base}/Attributes({column.metadata_id})")
        if req.method == "POST" and sub == "Keys" and sub_key is None:
            key = self.writer.create_key(table, req.json())
            return self._created(f"{base}/Keys({key.metadata_id})")
        if req.method == "DELETE" and sub == "Keys" and sub_key is not None:
            wanted = sub_key.strip().lower()
            keep = [k for k in table.keys if k.metadata_id != wanted]
            if len(keep) == len(table.keys):
                raise errors.DataverseError(404, "0x80040217", "Could not find the entity key.")
            for key in table.keys:
                if key.metadata_id == wanted:
                    self.store.clear_key(table.logical_name, key.logical_name)
            table.keys = keep
            self.catalog.save(table)
            return ApiResponse(204, None, {}, self.costs.charge("metadata_write"), "metadata_write")
        if req.method == "DELETE" and sub == "Attributes" and sub_key is not None:
            column = find_column(table, sub_key)
            if not column.is_custom:
                raise errors.bad_request(
                    "Only custom columns can be deleted.", errors.INVALID_ARGUMENT
                )
            del table.columns[column.logical_name]
            self.catalog.save(table)
            return ApiResponse(204, None, {}, self.costs.charge("metadata_write"), "metadata_write")
        raise errors.no_http_resource(f"{base}/{member}")

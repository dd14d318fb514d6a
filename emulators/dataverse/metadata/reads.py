"""GET EntityDefinitions, Attributes, Keys and RelationshipDefinitions (never paged)."""

from __future__ import annotations

from typing import Any

from emulators.dataverse import errors
from emulators.dataverse.http import ApiRequest
from emulators.dataverse.metadata import render
from emulators.dataverse.metadata.catalog import Catalog
from emulators.dataverse.metadata.model import Column, Table
from emulators.dataverse.odata.evaluate import matches
from emulators.dataverse.odata.filter import parse_filter
from emulators.dataverse.odata.keys import GUID, parse_key, split_segment
from emulators.dataverse.odata.options import parse_expand, project

_ALWAYS = ("MetadataId",)


def _filtered(items: list[dict[str, Any]], options: dict[str, str]) -> list[dict[str, Any]]:
    text = options.get("$filter")
    if text:
        node = parse_filter(text)
        items = [item for item in items if matches(node, item)]
    keep = (*_ALWAYS, *parse_expand(options.get("$expand")))
    return [project(item, options.get("$select"), keep) for item in items]


def find_table(catalog: Catalog, key_text: str) -> Table:
    """A table by `LogicalName='x'` or MetadataId.

    Raises:
        DataverseError: 404 when no such table exists.
    """
    key = parse_key(key_text)
    for table in catalog.tables.values():
        if isinstance(key, str) and table.metadata_id == key:
            return table
        if isinstance(key, dict) and key.get("LogicalName") == table.logical_name:
            return table
    name = key.get("LogicalName") if isinstance(key, dict) else key
    raise errors.DataverseError(
        404, "0x80040217", f"Could not find entity with name or id '{name}'."
    )


def find_column(table: Table, key_text: str) -> Column:
    """A column by `LogicalName='x'` or MetadataId.

    Raises:
        DataverseError: 404 when no such column exists.
    """
    key = parse_key(key_text)
    for column in table.columns.values():
        if isinstance(key, str) and column.metadata_id == key:
            return column
        if isinstance(key, dict) and key.get("LogicalName") == column.logical_name:
            return column
    raise errors.DataverseError(
        404, "0x80040217", f"Could not find attribute on entity '{table.logical_name}'."
    )


class MetadataReader:
    """Answers metadata GETs from the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def entity_body(self, table: Table, options: dict[str, str]) -> dict[str, Any]:
        """EntityMetadata with `$select` and `$expand` applied."""
        body = project(render.entity(table), options.get("$select"), _ALWAYS)
        for name, inner in parse_expand(options.get("$expand")).items():
            if name == "Attributes":
                body["Attributes"] = _filtered(self._attributes(table, inner), inner)
            elif name == "Keys":
                keys = [render.key(table, i) for i in range(len(table.keys))]
                body["Keys"] = _filtered(keys, inner)
            elif name in ("ManyToOneRelationships", "OneToManyRelationships"):
                body[name] = _filtered(self._table_relationships(table, name), inner)
            else:
                raise errors.property_not_found(name, "EntityMetadata")
        return body

    def _attributes(
        self, table: Table, options: dict[str, str], cast: str | None = None
    ) -> list[dict[str, Any]]:
        out = []
        for column in table.columns.values():
            item = render.attribute(table, column)
            if cast and item["@odata.type"] != f"#{render.NS}{cast}":
                continue
            expand = parse_expand(options.get("$expand"))
            for name, inner in expand.items():
                if name in ("OptionSet", "GlobalOptionSet"):
                    if name == "OptionSet" and column.options:
                        item["OptionSet"] = project(render.option_set(column), inner.get("$select"))
                    else:
                        item[name] = None
            out.append(item)
        return out

    def get(self, req: ApiRequest, segments: list[str]) -> dict[str, Any]:
        """GET on EntityDefinitions[(...)][/Attributes[(...)]][/cast] or /Keys[(...)].

        Raises:
            DataverseError: 404 for unknown segments or definitions.
        """
        root = req.service_root
        name, key_text = split_segment(segments[0])
        if name == "RelationshipDefinitions":
            return self._relationships(req, key_text)
        if key_text is None:
            if len(segments) > 1:
                raise errors.resource_not_found(segments[1])
            items = [render.entity(t) for t in self.catalog.tables.values()]
            node = parse_filter(req.query["$filter"]) if req.query.get("$filter") else None
            tables = [
                t
                for t, item in zip(self.catalog.tables.values(), items, strict=True)
                if node is None or matches(node, item)
            ]
            value = [self.entity_body(t, req.query) for t in tables]
            return {"@odata.context": f"{root}/$metadata#EntityDefinitions", "value": value}
        table = find_table(self.catalog, key_text)
        if len(segments) == 1:
            body = self.entity_body(table, req.query)
            return {"@odata.context": f"{root}/$metadata#EntityDefinitions/$entity", **body}
        sub, sub_key = split_segment(segments[1])
        if sub == "Attributes":
            return self._attribute_request(req, table, sub_key, segments[2:])
        if sub in ("ManyToOneRelationships", "OneToManyRelationships") and sub_key is None:
            items = self._table_relationships(table, sub)
            return {
                "@odata.context": f"{root}/$metadata#EntityDefinitions/{sub}",
                "value": _filtered(items, req.query),
            }
        if sub == "Keys":
            keys = [render.key(table, i) for i in range(len(table.keys))]
            if sub_key is not None:
                wanted = parse_key(sub_key)
                match = [
                    k
                    for k in keys
                    if k["MetadataId"] == wanted
                    or (isinstance(wanted, dict) and k["LogicalName"] == wanted.get("LogicalName"))
                ]
                if not match:
                    raise errors.DataverseError(404, "0x80040217", "Could not find the entity key.")
                return {
                    "@odata.context": f"{root}/$metadata#EntityDefinitions/Keys/$entity",
                    **project(match[0], req.query.get("$select"), _ALWAYS),
                }
            return {
                "@odata.context": f"{root}/$metadata#EntityDefinitions/Keys",
                "value": _filtered(keys, req.query),
            }
        raise errors.resource_not_found(sub)

    def _attribute_request(
        self, req: ApiRequest, table: Table, key_text: str | None, rest: list[str]
    ) -> dict[str, Any]:
        root = req.service_root
        cast = rest[0].removeprefix(render.NS) if rest else None
        if cast and cast not in {cls for cls, _ in render.ATTRIBUTE_CLASSES.values()}:
            raise errors.resource_not_found(rest[0])
        if key_text is None:
            items = self._attributes(table, req.query, cast)
            return {
                "@odata.context": f"{root}/$metadata#EntityDefinitions/Attributes",
                "value": _filtered(items, req.query),
            }
        column = find_column(table, key_text)
        item = next(
            i for i in self._attributes(table, req.query) if i["LogicalName"] == column.logical_name
        )
        if cast and item["@odata.type"] != f"#{render.NS}{cast}":
            raise errors.DataverseError(404, "0x80040217", "The attribute is not of the cast type.")
        keep = (*_ALWAYS, *parse_expand(req.query.get("$expand")))
        body = project(item, req.query.get("$select"), keep)
        return {"@odata.context": f"{root}/$metadata#EntityDefinitions/Attributes/$entity", **body}

    def _table_relationships(self, table: Table, kind: str) -> list[dict[str, Any]]:
        side = "referencing_entity" if kind == "ManyToOneRelationships" else "referenced_entity"
        return [
            render.relationship(rel)
            for rel in self.catalog.all_relationships()
            if getattr(rel, side) == table.logical_name
        ]

    def _relationships(self, req: ApiRequest, key_text: str | None) -> dict[str, Any]:
        items = [render.relationship(r) for r in self.catalog.all_relationships()]
        if key_text is not None:
            wanted = key_text.strip().lower()
            match = [i for i in items if GUID.match(wanted) and i["MetadataId"] == wanted]
            if not match:
                raise errors.DataverseError(404, "0x80040217", "Could not find the relationship.")
            return {
                "@odata.context": f"{req.service_root}/$metadata#RelationshipDefinitions/$entity",
                **match[0],
            }
        return {
            "@odata.context": f"{req.service_root}/$metadata#RelationshipDefinitions",
            "value": _filtered(items, req.query),
        }

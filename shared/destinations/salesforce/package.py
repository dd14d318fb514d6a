"""A Metadata API deploy zip for a schema plan: custom objects and fields, pick-list values,
and a permission set that grants the integration user every field the map writes."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from shared.destinations.schema import ColumnNeed, SchemaAction, SchemaPlan, TableNeed

NS = "http://soap.sforce.com/2006/04/metadata"
LONG_TEXT_MAX = 131_072


def _tag(name: str, value: object) -> str:
    text = str(value).lower() if isinstance(value, bool) else escape(str(value))
    return f"<{name}>{text}</{name}>"


def _label(need_label: str | None, api_name: str) -> str:
    return (need_label or api_name.removesuffix("__c").replace("_", " "))[:40]


def field_xml(column: ColumnNeed, *, key: bool = False) -> str:
    """One `<fields>` element for a custom field."""
    parts = [_tag("fullName", column.name), _tag("label", _label(column.label, column.name))]
    kind = column.type
    if key or kind in ("string", "other"):
        length = 200 if key else min(column.max_length or 255, LONG_TEXT_MAX)
        if length > 255:
            parts += [_tag("type", "LongTextArea"), _tag("length", length), _tag("visibleLines", 3)]
        else:
            parts += [_tag("type", "Text"), _tag("length", length)]
        if key:
            parts += [_tag("externalId", True), _tag("unique", True), _tag("caseSensitive", False)]
    elif kind == "memo":
        length = min(max(column.max_length or 32_768, 256), LONG_TEXT_MAX)
        parts += [_tag("type", "LongTextArea"), _tag("length", length), _tag("visibleLines", 5)]
    elif kind == "integer":
        parts += [_tag("type", "Number"), _tag("precision", 18), _tag("scale", 0)]
    elif kind in ("decimal", "money"):
        scale = column.precision if column.precision is not None else 2
        parts += [
            _tag("type", "Currency" if kind == "money" else "Number"),
            _tag("precision", 18),
            _tag("scale", scale),
        ]
    elif kind == "boolean":
        parts += [_tag("type", "Checkbox"), _tag("defaultValue", False)]
    elif kind == "datetime":
        parts.append(_tag("type", "DateTime"))
    elif kind == "date":
        parts.append(_tag("type", "Date"))
    elif kind in ("choice", "multichoice"):
        values = "".join(
            f"<value>{_tag('fullName', v)}{_tag('default', False)}{_tag('label', v)}</value>"
            for v in column.values
        )
        parts.append(_tag("type", "Picklist" if kind == "choice" else "MultiselectPicklist"))
        if kind == "multichoice":
            parts.append(_tag("visibleLines", 4))
        parts.append(
            f"<valueSet><restricted>true</restricted><valueSetDefinition>{values}"
            f"<sorted>false</sorted></valueSetDefinition></valueSet>"
        )
    elif kind == "lookup":
        target = column.targets[0] if column.targets else "User"
        relationship = (column.navigation_property or column.name.removesuffix("__c")).removesuffix(
            "__r"
        )
        parts += [
            _tag("type", "Lookup"),
            _tag("referenceTo", target),
            _tag("relationshipName", relationship),
            _tag("deleteConstraint", "SetNull"),
        ]
    return "<fields>" + "".join(parts) + "</fields>"


def object_xml(name: str, table: TableNeed | None, fields: list[str]) -> str:
    """A CustomObject file: the object itself when it is new, plus its new fields."""
    body = []
    if table is not None and name.endswith("__c"):
        label = _label(table.label, name)
        body += [
            _tag("label", label),
            _tag("pluralLabel", label + "s"),
            f"<nameField>{_tag('label', label + ' Name')}{_tag('type', 'Text')}</nameField>",
            _tag("deploymentStatus", "Deployed"),
            _tag("sharingModel", "ReadWrite"),
        ]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomObject xmlns="{NS}">'
        + "".join(body + fields)
        + "</CustomObject>\n"
    )


def permission_set_xml(name: str, plan: SchemaPlan) -> str:
    """A PermissionSet: edit on every custom field the map writes, CRUD on custom objects."""
    grants = []
    for table in plan.needs.tables:
        for column in table.columns:
            if column.name.endswith("__c") and column.name != table.primary_name_column:
                grants.append(
                    f"<fieldPermissions>{_tag('editable', True)}"
                    f"{_tag('field', f'{table.name}.{column.name}')}{_tag('readable', True)}"
                    f"</fieldPermissions>"
                )
    for table in plan.needs.tables:
        if table.name.endswith("__c"):
            grants.append(
                "<objectPermissions>"
                + "".join(
                    _tag(p, True) for p in ("allowCreate", "allowDelete", "allowEdit", "allowRead")
                )
                + _tag("object", table.name)
                + _tag("viewAllRecords", True)
                + "</objectPermissions>"
            )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="{NS}">'
        f"{_tag('label', name.replace('_', ' '))}{''.join(grants)}</PermissionSet>\n"
    )


def standard_value_set_xml(values: list[str]) -> str:
    """A StandardValueSet (e.g. LeadSource) with every value it must hold."""
    entries = "".join(
        f"<standardValue>{_tag('fullName', v)}{_tag('default', False)}{_tag('label', v)}"
        f"</standardValue>"
        for v in values
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<StandardValueSet xmlns="{NS}">'
        f"<sorted>false</sorted>{entries}</StandardValueSet>\n"
    )


def package_zip(
    plan: SchemaPlan,
    *,
    api_version: str,
    permission_set: str,
    live_values: dict[tuple[str, str], list[str]] | None = None,
) -> bytes:
    """The deployable zip for `plan` (package.xml, objects/, standardValueSets/,
    permissionsets/), for an admin to deploy or for `apply_schema`."""
    tables = {t.name: t for t in plan.needs.tables}
    objects: dict[str, list[str]] = {}
    created: set[str] = set()
    value_sets: dict[str, list[str]] = {}
    for action in plan.actions:
        objects.setdefault(action.table, [])
        if action.kind == "create_table":
            created.add(action.table)
        elif action.kind == "add_options" and action.column is not None:
            _add_options(action, objects, value_sets, live_values or {})
        elif action.column is not None:
            objects[action.table].append(field_xml(action.column, key=_is_key(action, tables)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, fields in sorted(objects.items()):
            if fields or name in created:
                archive.writestr(
                    f"objects/{name}.object",
                    object_xml(name, tables.get(name) if name in created else None, fields),
                )
        for name, values in sorted(value_sets.items()):
            archive.writestr(
                f"standardValueSets/{name}.standardValueSet", standard_value_set_xml(values)
            )
        archive.writestr(
            f"permissionsets/{permission_set}.permissionset",
            permission_set_xml(permission_set, plan),
        )
        archive.writestr(
            "package.xml", _package_xml(objects, created, value_sets, permission_set, api_version)
        )
    return buffer.getvalue()


def _is_key(action: SchemaAction, tables: dict[str, TableNeed]) -> bool:
    table = tables.get(action.table)
    return action.kind == "create_key" or (
        table is not None and action.column is not None and action.column.name == table.key_column
    )


def _add_options(
    action: SchemaAction,
    objects: dict[str, list[str]],
    value_sets: dict[str, list[str]],
    live_values: dict[tuple[str, str], list[str]],
) -> None:
    assert action.column is not None
    current = live_values.get((action.table, action.column.name), [])
    merged = list(dict.fromkeys([*current, *action.column.values]))
    if action.column.name.endswith("__c"):
        column = action.column.model_copy(update={"values": merged})
        objects[action.table].append(field_xml(column))
    else:  # a standard pick-list (LeadSource) is one value set shared by several objects
        value_sets[action.column.name] = list(
            dict.fromkeys([*value_sets.get(action.column.name, []), *merged])
        )


def _package_xml(
    objects: dict[str, list[str]],
    created: set[str],
    value_sets: dict[str, list[str]],
    permission_set: str,
    api_version: str,
) -> str:
    members = {
        "CustomObject": sorted(n for n, f in objects.items() if f or n in created),
        "StandardValueSet": sorted(value_sets),
        "PermissionSet": [permission_set],
    }
    types = "".join(
        "<types>" + "".join(_tag("members", m) for m in names) + _tag("name", kind) + "</types>"
        for kind, names in members.items()
        if names
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="{NS}">{types}'
        f"{_tag('version', api_version)}</Package>\n"
    )

"""A Dataverse solution zip (solution.xml, customizations.xml, [Content_Types].xml) for a plan.

An admin who does not want ClinicFerry to touch metadata imports this unmanaged solution instead;
it holds exactly the plan's missing tables, columns, option values, lookups and alternate keys.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree as ET

from shared.destinations.dataverse.metadata_bodies import (
    display,
    key_schema_name,
    relationship_name,
)
from shared.destinations.schema import ColumnNeed, SchemaAction, SchemaPlan

LANGUAGE = "1033"
XML_TYPES = {
    "string": "nvarchar",
    "memo": "ntext",
    "integer": "int",
    "decimal": "decimal",
    "money": "money",
    "boolean": "bit",
    "datetime": "datetime",
    "date": "datetime",
    "choice": "picklist",
    "multichoice": "multiselectpicklist",
    "lookup": "lookup",
}
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/octet-stream" /></Types>'
)


def _labels(parent: ET.Element, tag: str, text: str) -> None:
    holder = ET.SubElement(parent, tag)
    ET.SubElement(holder, tag[:-1] if tag.endswith("s") else "label",
                  description=text, languagecode=LANGUAGE)  # fmt: skip


def _attribute(parent: ET.Element, column: ColumnNeed) -> None:
    node = ET.SubElement(parent, "attribute", PhysicalName=column.schema_name or column.name)
    ET.SubElement(node, "Type").text = XML_TYPES.get(column.type, "nvarchar")
    ET.SubElement(node, "Name").text = column.name
    ET.SubElement(node, "LogicalName").text = column.name
    ET.SubElement(node, "RequiredLevel").text = "required" if column.required else "none"
    ET.SubElement(node, "IsCustomField").text = "1"
    if column.type == "string":
        ET.SubElement(node, "MaxLength").text = str(column.max_length or 100)
    if column.type == "memo":
        ET.SubElement(node, "MaxLength").text = str(column.max_length or 100_000)
    if column.type == "date":
        ET.SubElement(node, "Format").text = "date"
        ET.SubElement(node, "Behavior").text = "3"
    if column.type in ("decimal", "money"):
        ET.SubElement(node, "Accuracy").text = str(column.precision or 2)
    if column.type in ("choice", "multichoice"):
        optionset = ET.SubElement(node, "optionset", Name=f"{column.name}")
        ET.SubElement(optionset, "OptionSetType").text = "picklist"
        ET.SubElement(optionset, "IsGlobal").text = "0"
        options = ET.SubElement(optionset, "options")
        for option in column.choices:
            node_option = ET.SubElement(options, "option", value=str(option.value))
            _labels(node_option, "labels", option.label)
    _labels(node, "displaynames", display(column.name, column.label))


def _entity(entities: ET.Element, table: str, actions: list[SchemaAction], prefix: str) -> None:
    create = next((a for a in actions if a.kind == "create_table"), None)
    entity_node = ET.SubElement(entities, "Entity")
    ET.SubElement(entity_node, "Name").text = table
    info = ET.SubElement(entity_node, "EntityInfo")
    entity = ET.SubElement(info, "entity", Name=table)
    if create is not None and create.table_need is not None:
        need = create.table_need
        _labels(entity, "LocalizedNames", display(table, need.label))
        ET.SubElement(entity, "OwnershipTypeMask").text = "UserOwned"
        ET.SubElement(entity, "IsCustomizable").text = "1"
        ET.SubElement(entity, "HasNotes").text = "1"
        ET.SubElement(entity, "PrimaryNameAttribute").text = need.primary_name_column or ""
    attributes = ET.SubElement(entity, "attributes")
    for action in actions:
        if action.kind in ("add_column", "create_lookup", "add_options") and action.column:
            column = action.column
            if action.kind == "add_options":
                column = column.model_copy(update={"choices": action.options})
            _attribute(attributes, column)
    keys = [a for a in actions if a.kind == "create_key"]
    if keys:
        keys_node = ET.SubElement(entity, "EntityKeys")
        for action in keys:
            key = ET.SubElement(keys_node, "EntityKey")
            name = key_schema_name(table, action.key_columns, prefix)
            ET.SubElement(key, "LogicalName").text = name.lower()
            attrs = ET.SubElement(key, "EntityKeyAttributes")
            for key_column in action.key_columns:
                ET.SubElement(attrs, "AttributeName").text = key_column


def customizations_xml(plan: SchemaPlan, prefix: str) -> bytes:
    """customizations.xml: entities with their new attributes and keys, then relationships."""
    root = ET.Element("ImportExportXml")
    entities = ET.SubElement(root, "Entities")
    by_table: dict[str, list[SchemaAction]] = {}
    for action in plan.actions:
        if action.state != "conflict":
            by_table.setdefault(action.table, []).append(action)
    for table, actions in by_table.items():
        _entity(entities, table, actions, prefix)
    relationships = ET.SubElement(root, "EntityRelationships")
    for action in plan.actions:
        if action.kind == "create_lookup" and action.column and action.column.targets:
            name = relationship_name(action.table, action.column, prefix)
            rel = ET.SubElement(relationships, "EntityRelationship", Name=name)
            ET.SubElement(rel, "EntityRelationshipType").text = "OneToMany"
            ET.SubElement(rel, "ReferencingEntityName").text = action.table
            ET.SubElement(rel, "ReferencedEntityName").text = action.column.targets[0]
            ET.SubElement(rel, "ReferencingAttributeName").text = action.column.name
            ET.SubElement(rel, "CascadeDelete").text = "RemoveLink"
    ET.SubElement(root, "Languages").append(_text("Language", LANGUAGE))
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def solution_xml(unique_name: str, prefix: str, version: str = "1.0.0.0") -> bytes:
    """solution.xml: an unmanaged solution under a publisher with our prefix."""
    root = ET.Element(
        "ImportExportXml", version="9.2", languagecode=LANGUAGE, generatedBy="ClinicFerry"
    )
    manifest = ET.SubElement(root, "SolutionManifest")
    ET.SubElement(manifest, "UniqueName").text = unique_name
    _labels(manifest, "LocalizedNames", unique_name)
    ET.SubElement(manifest, "Version").text = version
    ET.SubElement(manifest, "Managed").text = "0"
    publisher = ET.SubElement(manifest, "Publisher")
    ET.SubElement(publisher, "UniqueName").text = f"{unique_name.lower()}publisher"
    _labels(publisher, "LocalizedNames", f"{unique_name} publisher")
    ET.SubElement(publisher, "CustomizationPrefix").text = prefix.rstrip("_")
    ET.SubElement(publisher, "CustomizationOptionValuePrefix").text = "10000"
    ET.SubElement(manifest, "RootComponents")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def solution_zip(plan: SchemaPlan, unique_name: str, prefix: str) -> bytes:
    """The importable zip for the plan's missing items."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("solution.xml", solution_xml(unique_name, prefix))
        archive.writestr("customizations.xml", customizations_xml(plan, prefix))
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    return buffer.getvalue()


def _text(tag: str, text: str) -> ET.Element:
    node = ET.Element(tag)
    node.text = text
    return node

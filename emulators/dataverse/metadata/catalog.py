"""The live set of table definitions: lookups by name, entity set and navigation property."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from emulators.dataverse import errors
from emulators.dataverse.metadata.loader import complete_table, load_standard_tables
from emulators.dataverse.metadata.model import Column, Relationship, Table
from emulators.dataverse.store import Store

_REL_NAMESPACE = uuid.UUID("6d1f0c3a-2b4e-4f5a-8c7d-9e0f1a2b3c4d")


@dataclass(frozen=True)
class Navigation:
    """A single-valued navigation property: the lookup column it sets and the target table."""

    column: Column
    target: str


class Catalog:
    """Table definitions, persisted in the store so custom tables survive restarts."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.generation = 0
        self.tables: dict[str, Table] = {}
        self.relationships: dict[str, Relationship] = {}
        self._by_set: dict[str, Table] = {}
        self._navigation: dict[str, dict[str, Navigation]] = {}
        stored = store.load_tabledefs()
        if stored:
            for name, definition in stored.items():
                if name.startswith("relationship:"):
                    rel = Relationship.model_validate_json(definition)
                    self.relationships[rel.schema_name] = rel
                else:
                    self.tables[name] = Table.model_validate_json(definition)
            self._reindex()
        else:
            self.install_standard()

    def install_standard(self) -> None:
        """Replaces every definition with the standard tables."""
        self.tables = load_standard_tables()
        self.relationships = {}
        for table in self.tables.values():
            self._save(table)
        self._reindex()

    def _save(self, table: Table) -> None:
        self.store.save_tabledef(table.logical_name, table.model_dump_json())

    def _reindex(self) -> None:
        self.generation += 1
        self._by_set = {t.entity_set_name: t for t in self.tables.values()}
        self._navigation = {}
        for table in self.tables.values():
            navs: dict[str, Navigation] = {}
            for column in table.columns.values():
                for target, nav in column.navigation.items():
                    navs[nav] = Navigation(column, target)
            self._navigation[table.logical_name] = navs

    def save(self, *tables: Table) -> None:
        """Persists changed definitions and refreshes the indexes."""
        for table in tables:
            self.tables[table.logical_name] = table
            self._save(table)
        self._reindex()

    def save_relationship(self, relationship: Relationship) -> None:
        """Persists a relationship definition."""
        self.relationships[relationship.schema_name] = relationship
        self.store.save_tabledef(
            f"relationship:{relationship.schema_name}", relationship.model_dump_json()
        )

    def by_entity_set(self, name: str) -> Table:
        """The table behind an entity set (case-sensitive).

        Raises:
            DataverseError: 404 0x8006088a for an unknown set.
        """
        table = self._by_set.get(name)
        if table is None:
            raise errors.resource_not_found(name)
        return table

    def table(self, logical_name: str) -> Table | None:
        """A table by logical name."""
        return self.tables.get(logical_name)

    def navigation(self, table: Table, nav: str) -> Navigation | None:
        """The single-valued navigation property `nav` of `table` (case-sensitive)."""
        return self._navigation.get(table.logical_name, {}).get(nav)

    def add_lookup_target(self, column_name: str, target: str, *, activities: bool) -> None:
        """Makes a new table a target of the polymorphic regarding/objectid lookups."""
        changed = []
        for table in self.tables.values():
            column = table.columns.get(column_name)
            if column is None or target in column.targets:
                continue
            if activities != table.is_activity:
                continue
            column.targets.append(target)
            if table.is_activity:
                column.navigation[target] = f"{column_name}_{target}_{table.logical_name}"
            else:
                column.navigation[target] = f"{column_name}_{target}"
            changed.append(table)
        if changed:
            self.save(*changed)

    def register_table(self, table: Table) -> None:
        """Adds a new table and hooks it into activities and notes."""
        complete_table(table)
        self.save(table)
        if table.has_activities:
            self.add_lookup_target("regardingobjectid", table.logical_name, activities=True)
        if table.has_notes:
            self.add_lookup_target("objectid", table.logical_name, activities=False)

    def all_relationships(self) -> list[Relationship]:
        """Every one-to-many relationship: the declared ones plus one per standard lookup target."""
        declared = {
            (r.referencing_entity, r.referencing_attribute): r for r in self.relationships.values()
        }
        out = list(self.relationships.values())
        for table in self.tables.values():
            for column in table.columns.values():
                if (table.logical_name, column.logical_name) in declared:
                    continue
                for target, nav in column.navigation.items():
                    referenced = self.tables.get(target)
                    if referenced is None:
                        continue
                    out.append(
                        Relationship(
                            schema_name=f"{target}_{table.logical_name}_{column.logical_name}",
                            referenced_entity=target,
                            referenced_attribute=referenced.primary_id,
                            referencing_entity=table.logical_name,
                            referencing_attribute=column.logical_name,
                            referencing_navigation=nav,
                            referenced_navigation=f"{target}_{table.logical_name}_{column.logical_name}",
                            metadata_id=str(
                                uuid.uuid5(_REL_NAMESPACE, f"{table.logical_name}.{nav}")
                            ),
                        )
                    )
        return out

    def remove_table(self, logical_name: str) -> None:
        """Deletes a table, its rows, and every lookup target and relationship naming it."""
        del self.tables[logical_name]
        for sql in (
            "DELETE FROM tabledefs WHERE logical_name = ?",
            "DELETE FROM records WHERE entity = ?",
            "DELETE FROM keyvalues WHERE entity = ?",
        ):
            self.store.db.execute(sql, (logical_name,))
        changed = []
        for table in self.tables.values():
            for column in list(table.columns.values()):
                if logical_name in column.targets:
                    column.targets.remove(logical_name)
                    column.navigation.pop(logical_name, None)
                    if not column.targets:  # a custom lookup to the table goes with it
                        del table.columns[column.logical_name]
                    changed.append(table)
        gone = [
            name
            for name, rel in self.relationships.items()
            if logical_name in (rel.referenced_entity, rel.referencing_entity)
        ]
        for name in gone:
            del self.relationships[name]
            self.store.db.execute(
                "DELETE FROM tabledefs WHERE logical_name = ?", (f"relationship:{name}",)
            )
        self.save(*changed)

    def pending_keys_due(self) -> list[tuple[Table, int]]:
        """(table, key index) of Pending keys whose build time has come."""
        now = time.time()
        due = []
        for table in self.tables.values():
            for index, key in enumerate(table.keys):
                if key.status in ("Pending", "InProgress") and key.activate_at <= now:
                    due.append((table, index))
        return due

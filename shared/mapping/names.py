"""Destination naming rules: custom vs standard, logical vs schema names, entity sets, labels."""

from __future__ import annotations

import re

from shared.mapping.spec import Destination

# Standard Dataverse tables the maps write: entity set and primary name column.
DATAVERSE_STANDARD: dict[str, tuple[str, str]] = {
    "account": ("accounts", "name"),
    "contact": ("contacts", "fullname"),
    "appointment": ("appointments", "subject"),
    "task": ("tasks", "subject"),
    "annotation": ("annotations", "subject"),
    "product": ("products", "name"),
    "productpricelevel": ("productpricelevels", "productid"),
    "pricelevel": ("pricelevels", "name"),
    "opportunity": ("opportunities", "name"),
    "systemuser": ("systemusers", "fullname"),
    "uom": ("uoms", "name"),
    "uomschedule": ("uomschedules", "name"),
    "transactioncurrency": ("transactioncurrencies", "currencyname"),
}

_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_custom(name: str, destination: Destination, prefix: str = "new") -> bool:
    """Whether a table or column name is a custom one the schema plan must create."""
    if destination == "salesforce":
        return name.endswith("__c") or name.endswith("__r")
    return name.lower().startswith(f"{prefix.lower()}_")


def logical_name(name: str, destination: Destination) -> str:
    """Dataverse logical names are the lower-cased schema name; Salesforce keeps API names."""
    return name.lower() if destination == "dataverse" else name


def entity_set_name(logical: str) -> str:
    """The Web API collection name: the standard one, or English plural of a custom name."""
    if logical in DATAVERSE_STANDARD:
        return DATAVERSE_STANDARD[logical][0]
    if re.search(r"[^aeiou]y$", logical):
        return logical[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", logical):
        return logical + "es"
    return logical + "s"


def display_name(name: str) -> str:
    """A readable label from a schema name: `new_TreatmentPlan` -> `Treatment Plan`."""
    bare = re.sub(r"^[a-z0-9]+_", "", name) if "_" in name and not name.endswith("__c") else name
    bare = bare.removesuffix("__c").removesuffix("__r").replace("_", " ")
    words = [w for part in bare.split() for w in (_WORD.findall(part) or [part])]
    return " ".join(w if w.isupper() else w.capitalize() for w in words) or name


def rewrite_prefix(name: str, prefix: str) -> str:
    """Swap the default publisher prefix `new_` for the run's prefix wherever a name uses it."""
    if prefix == "new":
        return name
    return re.sub(r"(?:(?<=^)|(?<=_))new_(?=[A-Za-z])", f"{prefix}_", name)

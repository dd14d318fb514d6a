"""Names of the activities and events the orchestrators use; a test checks each is registered."""

from __future__ import annotations

SET_RUN_STATE = "set_run_state"
EXTRACT_EXPORT = "extract_export"
PROPOSE_MAP = "propose_map"
CONFIRM_MAP_AUTOMATICALLY = "confirm_map_automatically"
CHECK_SCHEMA = "check_schema"
RESOLVE_OWNERS = "resolve_owners"
PLAN_LOAD = "plan_load"
LOAD_BATCH = "load_batch"
RECONCILE = "reconcile"
DIFF_SAMPLE = "diff_sample"

LOAD_TABLE = "load_table"
MIGRATION = "migration"

MAP_CONFIRMED_EVENT = "MapConfirmed"

ACTIVITIES = (
    SET_RUN_STATE,
    EXTRACT_EXPORT,
    PROPOSE_MAP,
    CONFIRM_MAP_AUTOMATICALLY,
    CHECK_SCHEMA,
    RESOLVE_OWNERS,
    PLAN_LOAD,
    LOAD_BATCH,
    RECONCILE,
    DIFF_SAMPLE,
)
ORCHESTRATORS = (MIGRATION, LOAD_TABLE)

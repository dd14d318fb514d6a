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
OPEN_DELTA_WINDOW = "open_delta_window"
SELECT_PASS = "select_pass"
PLAN_PASS = "plan_pass"
FINISH_PASS = "finish_pass"
RECONCILE_AFTER_PASS = "reconcile_after_pass"

LOAD_TABLE = "load_table"
MIGRATION = "migration"
LOAD_PASS = "load_pass"

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
    OPEN_DELTA_WINDOW,
    SELECT_PASS,
    PLAN_PASS,
    FINISH_PASS,
    RECONCILE_AFTER_PASS,
)
ORCHESTRATORS = (MIGRATION, LOAD_TABLE, LOAD_PASS)


def pass_instance_id(run_id: str, pass_id: str) -> str:
    """One orchestration per pass: two timer ticks that pick the same pass start it once."""
    return f"{run_id}:{pass_id}"

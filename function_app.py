"""Azure Functions entry point: one DFApp, the blueprints registered, nothing else."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from activities.migration import bp as migration_activities
from activities.passes import bp as pass_activities
from activities.rollback import bp as rollback_activities
from api.delta import bp as delta_api
from api.housekeeping import bp as housekeeping
from api.migrations import bp as migrations_api
from api.report_links import bp as report_links
from api.rollback import bp as rollback_api
from api.signoff import bp as signoff_api
from orchestrators.load_table import bp as load_table
from orchestrators.migration import bp as migration
from orchestrators.passes import bp as passes
from orchestrators.rollback import bp as rollback
from shared.telemetry import install_phi_filter

install_phi_filter()  # before anything logs: no patient value reaches a log line or telemetry

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

for blueprint in (
    migration,
    load_table,
    migration_activities,
    migrations_api,
    report_links,
    housekeeping,
    rollback,
    rollback_activities,
    rollback_api,
    signoff_api,
    passes,
    pass_activities,
    delta_api,
):
    app.register_functions(blueprint)

"""Azure Functions entry point: one DFApp, the blueprints registered, nothing else."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)

# Blueprints are registered here as the orchestrators, activities and HTTP API land.

"""Named retry profiles for activity calls (Python 1.x SDK: first interval + attempts only)."""

from __future__ import annotations

import azure.durable_functions as df

# Storage and local I/O hiccups: a few quick retries.
RETRY_IO = df.RetryOptions(first_retry_interval_in_milliseconds=2_000, max_number_of_attempts=3)

# Destination calls that failed outside the writer's own throttle handling (network, 5xx bursts).
RETRY_DESTINATION = df.RetryOptions(
    first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=5
)

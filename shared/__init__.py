"""ClinicFerry domain library; never imports azure.functions or azure.durable_functions."""

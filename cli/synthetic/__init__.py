"""Synthetic practice exports in each source's vendor layout (dev tooling; uses Faker)."""

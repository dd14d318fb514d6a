"""Durable activities: thin JSON-in, JSON-out wrappers over shared/."""

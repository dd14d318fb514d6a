"""Durable orchestrators: deterministic, they only yield context calls."""

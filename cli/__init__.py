"""Local command line: generate, profile, run, and the in-process Durable host."""

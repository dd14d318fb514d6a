"""The quality rules: one module per concern, each rule named and configurable per run."""

"""Trust features that pick what a reviewer sees: the variety-covering sample policy."""

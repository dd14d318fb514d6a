"""Local, contract-faithful emulators of the destination APIs."""

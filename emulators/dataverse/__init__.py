"""A local, contract-faithful emulator of the Dataverse Web API (see README.md beside this file)."""

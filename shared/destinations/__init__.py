"""Destinations behind one Protocol (`base.Destination`), created by name through `registry`."""

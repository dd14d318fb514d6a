"""The migration pipeline's steps, composed from sources, quality, mapping, destinations and ledger.

Activities are thin wrappers over these functions; `messages` holds the small JSON-able models that
travel between orchestrators and activities (names, counts and hashes, never records).
"""

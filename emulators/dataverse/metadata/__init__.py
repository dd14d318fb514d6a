"""Table definitions: the model, the seeded standard tables and the EntityDefinitions API."""

"""Storage: the engine, the embedded server, migrations and each area's queries."""

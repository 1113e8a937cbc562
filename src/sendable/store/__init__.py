"""Storage: schema, migrations and the queries the service runs."""

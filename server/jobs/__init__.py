"""Background jobs that run in the server process and take their work from PostgreSQL."""

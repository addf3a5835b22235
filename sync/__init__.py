"""The sync engine: API clients, services, link tables, runs, activity log, thin tasks."""

"""Configuration services: remote choice lists, connection tests, config export/import."""

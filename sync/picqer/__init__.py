"""Everything Picqer-specific: the client, its resource methods and records."""

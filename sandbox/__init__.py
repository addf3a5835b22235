"""Emulators of the Picqer API and the PrestaShop webservice (tests, demo, benchmarks only)."""

"""Configuration domain: Picqer accounts, shops, their order and stock settings, status mappings."""

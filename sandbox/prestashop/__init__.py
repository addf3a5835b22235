"""Emulator of the PrestaShop webservice (XML, key as Basic user, filters, PUT/PATCH)."""

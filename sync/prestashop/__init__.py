"""Everything PrestaShop-specific: the webservice client, its resource methods, query
building, XML and records."""

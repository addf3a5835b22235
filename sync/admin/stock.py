"""Stock sync runs in the admin (owned by the stock work)."""

"""Stock and order-status tasks (Picqer to PrestaShop)."""

"""Order links and poll cursors in the admin (owned by the order work)."""

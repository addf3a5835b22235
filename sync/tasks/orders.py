"""Order tasks: polling, pushing, reconciliation."""

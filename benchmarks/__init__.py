"""Benchmarks against the sandbox emulators (`make bench-stock`, `bench-orders`, ...)."""

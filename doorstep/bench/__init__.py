"""Benchmarks: solver quality on public instances, runnable from the CLI."""

"""Benchmarks: each runs an optimization on and off in one process and prints the ratio."""

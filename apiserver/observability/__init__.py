"""Metrics (kube's names), the watch SLO, pprof-compatible profiling and health checks.
"""

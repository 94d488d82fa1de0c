"""Table output (k8s.io/kubernetes/pkg/printers): built-in printers and the Table machinery. No HTTP here.
"""

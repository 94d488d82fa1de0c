"""API Priority and Fairness (k8s.io/apiserver/pkg/util/flowcontrol), simplified; and the max-in-flight limits
kube falls back to without it. No HTTP here: the edge (endpoints/filters.py) asks these for a seat."""

"""Simulated nodes, kubelets, a scheduler and controllers (like kwok), and the density harness.

Everything here is a plain client of the Kubernetes API over HTTP(S): the same code drives aiokube (``aiokube
simulate``, ``aiokube serve --simulate-nodes``) and a real kube-apiserver, so a density run measures either.
README: *Simulating a cluster*.
"""

"""Kube semantics of stored resources (k8s.io/apiserver/pkg/registry): the resource table, strategies,
object meta, validation and the generic store every verb and controller writes through. No HTTP here.
"""

"""Admission plugins (k8s.io/apiserver/pkg/admission, plugin/pkg/admission): checks and mutations a
write passes before the strategy. No HTTP here.
"""

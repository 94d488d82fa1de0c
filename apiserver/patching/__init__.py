"""Patches and field ownership: JSON patch, merge patch, strategic merge patch, managed fields and
server-side apply (k8s.io/apimachinery strategicpatch, structured-merge-diff). No HTTP here.
"""

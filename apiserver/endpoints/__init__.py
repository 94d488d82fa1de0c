"""The HTTP edge (k8s.io/apiserver/pkg/endpoints): request info, option parsing, body decoding, negotiated
output, per-verb handlers that call the registry, watch serving, discovery and OpenAPI documents.
"""

"""CustomResourceDefinitions (k8s.io/apiextensions-apiserver): the CRD controller, structural schemas,
the OpenAPI validator, pruning/defaulting, printer columns and CRD validation. No HTTP here.
"""

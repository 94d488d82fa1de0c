"""Table output (k8s.io/kubernetes/pkg/printers). No HTTP here.

Imports point one way: :mod:`.tables` (the Table convertor) → :mod:`.builtin` (the built-in printers) →
:mod:`.columns` (column definitions); custom resources' cells come from
:mod:`aiokube.apiserver.apiextensions.jsonpath`.
"""

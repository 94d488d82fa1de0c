"""CustomResourceDefinitions (k8s.io/apiextensions-apiserver) as pure functions on JSON dicts. No HTTP here.

Imports point one way, from the entry points down to the shared pieces:

- :mod:`.controller` — the CRD controller (serving, establishing, cleanup of custom resources).
- :mod:`.validation` — ValidateCustomResourceDefinition, via :mod:`.internal` (the internal version),
  :mod:`.structural_validation` and :mod:`.openapi_validation` (the schema rules).
- :mod:`.customresource` — the schema checks of a custom resource write: :mod:`.validator` (kube-openapi),
  :mod:`.embedded` (embedded resources), :mod:`.listtype` (list-type uniqueness) and :mod:`.celrules` (the
  CRD's CEL validation rules, on kube's CEL environment in :mod:`.celenv`).
- :mod:`.pruning` and :mod:`.defaulting` — what the decoder does to a custom resource body.
- :mod:`.jsonpath` — printer columns (client-go JSONPath and the CRD table convertor's cells).
- :mod:`.formats`, :mod:`.regex` — string formats and Go patterns the validator checks.
- :mod:`.structural` (schema access) and :mod:`.field` (field errors) — used by all of the above; Go's value
  rendering lives in :mod:`aiokube.apiserver.golang`.

Values in messages are rendered as Go renders them, so causes match kube byte for byte. Go map iteration is
random in kube; here properties follow the order of the schema or the object, so kube's output for several
errors may list them in another order.
"""

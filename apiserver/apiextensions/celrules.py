"""CRD validation rules, ``x-kubernetes-validations`` (apiextensions-apiserver ``pkg/apiserver/schema/cel``).

:func:`compile_schema` compiles every rule of a CRD version's schema once (the CRD controller calls it when it
serves the version) into a tree of :class:`RuleNode` that follows the schema's properties, items and
additionalProperties; :meth:`RuleNode.validate` evaluates the rules of a custom resource write at each node,
with ``self`` the node's value and, on update, ``oldSelf`` its correlated old value (properties, map keys and
list-type=map items by key; a rule that uses ``oldSelf`` is skipped where there is none). Failures are kube's
causes: ``Invalid value: "x": <message>`` (no value for objects and lists), the rule's ``reason`` and
``fieldPath``, the ``messageExpression``'s text; errors of a node whose value did not change on update are
ratcheted away (kube turns them into warnings). :func:`crd_rule_errors` is the CRD side: rules that do not
compile, messageExpressions that are not strings, invalid field paths, ``oldSelf`` where nothing correlates.

Not done: kube's cost estimates at CRD creation and its runtime cost budget, rules inside ``allOf``,
``optionalOldSelf`` (such rules are skipped without an old value), set/map-list equality semantics.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiokube.apiserver.apiextensions import celenv
from aiokube.apiserver.apiextensions.celenv import OLD_SELF, SELF, CelError
from aiokube.apiserver.apiextensions.field import (
    bad_value,
    child_path,
    forbidden,
    index_path,
    invalid,
    key_path,
    required,
)
from aiokube.apiserver.apiextensions.structural import Schema, additional_properties_of, items_of, props_of
from aiokube.apiserver.errors import Cause
from aiokube.apiserver.golang import GoJSON, go_json_string

#: the field path kube prints for the root of a custom resource (a nil field.Path)
ROOT_PATH = "<nil>"
_REASONS = {
    "FieldValueForbidden": "FieldValueForbidden",
    "FieldValueRequired": "FieldValueRequired",
    "FieldValueDuplicate": "FieldValueDuplicate",
}


@dataclass
class CompiledRule:
    """One rule of a node: its program (None when it did not compile: ``error`` says why)."""

    rule: dict[str, Any]
    program: Any = None
    message_program: Any = None
    uses_old_self: bool = False
    field_path: str = ""
    error: str = ""
    message_error: str = ""


@dataclass
class RuleNode:
    """The compiled rules of one schema node and of the nodes below it that have rules.

    Built by :func:`compile_schema`, immutable after; :meth:`validate` may run concurrently for any number
    of writes (it keeps no state between calls).
    """

    schema: Schema
    is_root: bool
    rules: list[CompiledRule] = field(default_factory=list)
    properties: dict[str, RuleNode] = field(default_factory=dict)
    items: RuleNode | None = None
    additional: RuleNode | None = None

    def validate(self, value: Any, old: Any, path: str, ratchet: bool, causes: list[Cause]) -> None:
        """Append the causes of this node's rules and its children's for ``value`` (``old``: the correlated
        old value, None on create or where nothing correlates; ``ratchet``: whether an unchanged value's
        errors are dropped, i.e. this node or its nearest correlatable ancestor equals its old value)."""
        if value is None:
            return
        if self.rules:
            self._evaluate(value, old, path, ratchet, causes)
        if isinstance(value, dict):
            old_map = old if isinstance(old, dict) else None
            if self.additional is not None:
                correlatable = (self.schema.get("x-kubernetes-map-type") or "granular") in ("granular", "atomic")
                for k, v in value.items():
                    o = old_map.get(k) if correlatable and old_map is not None else None
                    self.additional.validate(v, o, key_path(path, k), _equal(v, o, old_map is not None), causes)
            for k, v in value.items():
                sub = self.properties.get(k)
                if sub is not None:
                    o = old_map.get(k) if old_map is not None else None
                    sub.validate(v, o, _child(path, k), _equal(v, o, old_map is not None), causes)
        elif isinstance(value, list) and self.items is not None:
            old_items = _correlated_items(self.schema, old if isinstance(old, list) else None)
            for i, v in enumerate(value):
                # items of lists other than list-type=map do not correlate: their parent's equality decides
                o = old_items(v) if old_items is not None else None
                item_ratchet = _equal(v, o, True) if old_items is not None else ratchet
                self.items.validate(v, o, index_path(path, i), item_ratchet, causes)

    def _evaluate(self, value: Any, old: Any, path: str, ratchet: bool, causes: list[Cause]) -> None:
        sts_type = self.schema.get("type") or ""
        data = {SELF: celenv.to_cel(self.schema, value, self.is_root)}
        if old is not None:
            data[OLD_SELF] = celenv.to_cel(self.schema, old, self.is_root)
        for compiled in self.rules:
            rule = compiled.rule
            if compiled.error:
                causes.append(invalid(path, sts_type, f"rule compile error: {compiled.error}"))
                continue
            if compiled.uses_old_self and old is None:
                continue  # transition rules are evaluated only if there is a comparable existing value
            try:
                result = celenv.eval_expr(compiled.program, data)
            except CelError as e:
                text = str(e)
                if text.startswith("no such overload"):
                    detail = (
                        f"'{text}': call arguments did not match a supported operator, function or macro "
                        f"signature for rule: {_rule_error_string(rule)}"
                    )
                else:
                    detail = f"{text} evaluating rule: {_rule_error_string(rule)}"
                causes.append(invalid(path, sts_type, detail))
                continue
            if result is True:
                continue
            fld = path
            if compiled.field_path:
                fld = compiled.field_path if path == ROOT_PATH else f"{path}.{compiled.field_path}"
            detail = _message_expression(compiled, data) or _rule_message(rule)
            omit = sts_type in ("object", "array")
            cause = _cause_for_reason(rule.get("reason"), fld, value, omit, detail)
            if compiled.uses_old_self or not ratchet:
                causes.append(cause)


def _child(path: str, k: str) -> str:
    return k if path == ROOT_PATH else child_path(path, k)


def _equal(v: Any, old: Any, has_old: bool) -> bool:
    return has_old and old is not None and v == old and type(v) is type(old)


def _correlated_items(s: Schema, old: list[Any] | None) -> Callable[[Any], Any] | None:
    """A function from a new list item to its old item (by key), for list-type=map lists; else None."""
    if s.get("x-kubernetes-list-type") != "map":
        return None
    if old is None:
        return _no_item
    keys = s.get("x-kubernetes-list-map-keys") or []
    index: dict[tuple[Any, ...], Any] = {}
    for item in old:
        if isinstance(item, dict):
            index.setdefault(tuple(_key_part(item.get(k)) for k in keys), item)

    def lookup(item: Any) -> Any:
        if not isinstance(item, dict):
            return None
        return index.get(tuple(_key_part(item.get(k)) for k in keys))

    return lookup


def _key_part(v: Any) -> Any:
    return (type(v).__name__, v) if not isinstance(v, dict | list) else (type(v).__name__, repr(v))


def _no_item(_item: Any) -> None:
    return None


def _rule_error_string(rule: dict[str, Any]) -> str:
    msg = (rule.get("message") or "").strip()
    return msg or (rule.get("rule") or "").strip()


def _rule_message(rule: dict[str, Any]) -> str:
    msg = (rule.get("message") or "").strip()
    return msg or f"failed rule: {(rule.get('rule') or '').strip()}"


def _message_expression(compiled: CompiledRule, data: dict[str, Any]) -> str:
    """The messageExpression's text, or "" when it has none or it fails (kube then uses the message)."""
    if compiled.message_program is None:
        return ""
    try:
        text = celenv.eval_expr(compiled.message_program, data)
    except CelError:
        return ""
    if not isinstance(text, str):
        return ""
    text = text.strip()
    if not text or len(text) > 5000 or "\n" in text:
        return ""
    return text


def _cause_for_reason(reason: str | None, fld: str, value: Any, omit: bool, detail: str) -> Cause:
    """fieldErrorForReason (the value left out for objects and lists, as field.OmitValueType)."""
    kind = _REASONS.get(reason or "", "FieldValueInvalid")
    if kind == "FieldValueForbidden":
        return forbidden(fld, detail)
    if kind == "FieldValueRequired":
        return required(fld, detail)
    if kind == "FieldValueDuplicate":
        return Cause("FieldValueDuplicate", fld, "Duplicate value" if omit else f"Duplicate value: {bad_value(value)}")
    if omit:
        return Cause("FieldValueInvalid", fld, f"Invalid value: {detail}")
    return invalid(fld, value, detail)


# ---- compilation ----------------------------------------------------------------------------------------------


def _compile_rule(s: Schema, rule: dict[str, Any], is_root: bool) -> CompiledRule:
    compiled = CompiledRule(rule=rule)
    self_type = celenv.decl_type(s, is_root)
    if self_type is None:
        compiled.error = "compilation failed: the schema of this node has no type CEL can see"
        return compiled
    env = celenv.environment(self_type)
    text = rule.get("rule") or ""
    try:
        program, result_type = celenv.compile_expr(env, text)
    except CelError as e:
        compiled.error = f"compilation failed: {e}"
        return compiled
    if result_type != celenv.BOOL:
        compiled.error = "cel expression must evaluate to a bool"
        return compiled
    compiled.program = program
    if OLD_SELF in text:
        try:
            celenv.compile_expr(celenv.environment(self_type, with_old_self=False), text)
        except CelError:
            compiled.uses_old_self = True
    expr = rule.get("messageExpression") or ""
    if expr:
        try:
            message_program, message_type = celenv.compile_expr(env, expr)
        except CelError as e:
            compiled.message_error = f"messageExpression compilation failed: {e}"
        else:
            if message_type not in (celenv.STRING,):
                compiled.message_error = "messageExpression must evaluate to a string"
            else:
                compiled.message_program = message_program
    fp = rule.get("fieldPath") or ""
    if fp:
        compiled.field_path = valid_field_path(fp, s) or ""
    return compiled


def compile_schema(s: Schema | None, is_root: bool = True) -> RuleNode | None:
    """The rule tree of a schema (None when no node has rules): each rule compiled once."""
    if not isinstance(s, dict):
        return None
    node = RuleNode(schema=s, is_root=is_root)
    node.rules = [_compile_rule(s, r, is_root) for r in s.get("x-kubernetes-validations") or []]
    for k, sub in props_of(s).items():
        child = compile_schema(sub, sub.get("x-kubernetes-embedded-resource") is True)
        if child is not None and celenv.decl_type(sub, child.is_root) is not None:  # else kube skips its rules
            node.properties[k] = child
    items = items_of(s)
    if items is not None:
        node.items = compile_schema(items, items.get("x-kubernetes-embedded-resource") is True)
    _, ap = additional_properties_of(s)
    if ap is not None:
        node.additional = compile_schema(ap, ap.get("x-kubernetes-embedded-resource") is True)
    if node.rules or node.properties or node.items is not None or node.additional is not None:
        return node
    return None


def validate(tree: RuleNode | None, obj: Any, old: Any) -> list[Cause]:
    """The causes of a custom resource's rules (``old``: the stored object on update, else None)."""
    causes: list[Cause] = []
    if tree is not None:
        tree.validate(obj, old, ROOT_PATH, old is not None and obj == old, causes)
    return causes


# ---- fieldPath ------------------------------------------------------------------------------------------------


def valid_field_path(path: str, s: Schema) -> str | None:
    """kube's ValidFieldPath: a rule's fieldPath (``.a.b``, ``.a['x.y']``) as a field path relative to the node,
    or None when it does not name a field of the schema."""
    out: list[str] = []
    i, n = 0, len(path)
    node: Schema | None = s
    while i < n:
        if path[i] == ".":
            j = i + 1
            while j < n and path[j] not in ".[]":
                j += 1
            name, i = path[i + 1 : j], j
            if not name:
                return None
        elif path[i] == "[" and i + 1 < n and path[i + 1] == "'":
            j = i + 2
            while j < n and not (path[j] == "'" and path[j - 1] != "\\"):
                j += 1
            if j + 1 >= n or path[j + 1] != "]":
                return None
            name, i = path[i + 2 : j].replace("\\'", "'").replace("\\\\", "\\"), j + 2
            if node is not None and not props_of(node) and additional_properties_of(node)[1] is not None:
                out.append(f"[{name}]")
                node = additional_properties_of(node)[1]
                continue
        else:
            return None
        if node is None:
            return None
        props = props_of(node)
        if props:
            if name not in props:
                return None
            out.append(f".{name}" if out else name)
            node = props[name]
        elif additional_properties_of(node)[1] is not None:
            out.append(f"[{name}]")
            node = additional_properties_of(node)[1]
        else:
            return None
    return "".join(out)


# ---- the CRD side ---------------------------------------------------------------------------------------------


def _rule_json(rule: dict[str, Any]) -> GoJSON:
    """The rule as Go prints apiextensions.ValidationRule (no json tags: Go's field names and order)."""
    reason = rule.get("reason")
    optional = rule.get("optionalOldSelf")
    parts = [
        f'"Rule":{go_json_string(rule.get("rule") or "")}',
        f'"Message":{go_json_string(rule.get("message") or "")}',
        f'"MessageExpression":{go_json_string(rule.get("messageExpression") or "")}',
        f'"Reason":{go_json_string(reason) if reason is not None else "null"}',
        f'"FieldPath":{go_json_string(rule.get("fieldPath") or "")}',
        f'"OptionalOldSelf":{("true" if optional else "false") if optional is not None else "null"}',
    ]
    return GoJSON("{" + ",".join(parts) + "}")


def crd_rule_errors(s: Schema | None, path: str) -> list[Cause]:
    """The CEL errors of a CRD version's schema at ``path`` (…openAPIV3Schema), in kube's words."""
    errs: list[Cause] = []
    _crd_rules(s, path, True, "", errs)
    return errs


def _crd_rules(s: Schema | None, path: str, is_root: bool, uncorrelatable: str, errs: list[Cause]) -> None:
    if not isinstance(s, dict):
        return
    for i, rule in enumerate(s.get("x-kubernetes-validations") or []):
        if not (rule.get("rule") or "").strip():
            continue
        rp = index_path(child_path(path, "x-kubernetes-validations"), i)
        if rule.get("fieldPath") and valid_field_path(rule["fieldPath"], s) is None:
            errs.append(invalid(child_path(rp, "fieldPath"), rule["fieldPath"], "must be a valid path"))
            continue
        compiled = _compile_rule(s, rule, is_root)
        if compiled.error:
            errs.append(invalid(child_path(rp, "rule"), _rule_json(rule), compiled.error))
        if compiled.message_error:
            errs.append(invalid(child_path(rp, "messageExpression"), _rule_json(rule), compiled.message_error))
        if compiled.uses_old_self and uncorrelatable:
            errs.append(
                invalid(
                    child_path(rp, "rule"),
                    rule.get("rule") or "",
                    f"oldSelf cannot be used on the uncorrelatable portion of the schema within {uncorrelatable}",
                )
            )
        elif not compiled.uses_old_self and rule.get("optionalOldSelf") is not None and not compiled.error:
            errs.append(
                invalid(
                    child_path(rp, "optionalOldSelf"),
                    bool(rule["optionalOldSelf"]),
                    "may not be set if oldSelf is not used in rule",
                )
            )
    _, ap = additional_properties_of(s)
    if ap is not None:
        _crd_rules(ap, child_path(path, "additionalProperties"), ap.get("x-kubernetes-embedded-resource") is True,
                   uncorrelatable, errs)  # fmt: skip
    map_type = s.get("x-kubernetes-map-type") or "granular"
    for k, sub in props_of(s).items():
        sub_unc = uncorrelatable or ("" if map_type in ("granular", "atomic") else path)
        _crd_rules(sub, key_path(child_path(path, "properties"), k), sub.get("x-kubernetes-embedded-resource") is True,
                   sub_unc, errs)  # fmt: skip
    items = items_of(s)
    if items is not None:
        sub_unc = uncorrelatable or ("" if s.get("x-kubernetes-list-type") == "map" else path)
        _crd_rules(items, child_path(path, "items"), items.get("x-kubernetes-embedded-resource") is True, sub_unc, errs)

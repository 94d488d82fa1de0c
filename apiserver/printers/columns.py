"""Column definitions of server-side tables (metav1.TableColumnDefinition), shared by every printer.

The built-in printers (:mod:`.builtin`) and the table convertor (:mod:`.tables`) both build their columns
here, with the descriptions kube gives the Name and Created At columns (ObjectMeta's swagger docs). A leaf:
it imports no other printer module, so printers and the convertor import it, never each other both ways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
Column = dict[str, Any]
#: column definitions and the function computing a row's cells
Printer = tuple[list[Column], Callable[[Obj], list[Any]]]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some resources may "
    "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
    "for creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATION_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. "
    "It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. "
    "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)


def column(name: str, type_: str = "string", fmt: str = "", description: str = "", priority: int = 0) -> Column:
    """A metav1.TableColumnDefinition as JSON."""
    return {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}

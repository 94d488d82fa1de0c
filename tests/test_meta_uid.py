"""Object UIDs and audit IDs: version 4 UUIDs from buffered random bytes, never repeated across a fork (the
workers of ``aiokube serve --workers N`` are forked after the server module is loaded)."""

from __future__ import annotations

import os
import uuid

from aiokube.apiserver.registry.meta import new_uid


def test_version_4_and_unique() -> None:
    ids = [new_uid() for _ in range(5000)]  # more than one 4 KiB buffer
    assert len(set(ids)) == len(ids)
    for text in ids[:600]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text


def test_a_forked_child_does_not_repeat_its_parents_next_ids() -> None:
    new_uid()  # the buffer holds bytes the parent has not handed out yet
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        os.write(write, ",".join(new_uid() for _ in range(10)).encode())
        os._exit(0)
    os.close(write)
    child = set(os.read(read, 1 << 16).decode().split(","))
    os.close(read)
    os.waitpid(pid, 0)
    parent = {new_uid() for _ in range(10)}
    assert len(child) == 10 and not child & parent

"""What the thirteenth session changed on hot paths, on and off in one process (process CPU per operation, best of
``--rounds`` rounds of ``--budget`` CPU seconds):

1. a watch stream's DATA frames made into messages (storage/grpcwire.GrpcStream.data, on) against the first
   version of it (off, reproduced below: every frame appended to a buffer, each message copied out of it twice):
   a 1 KB event per frame (what a watch of ConfigMaps gets), and a 1 MiB event in 64 frames of 16 KiB;
2. the field manager named by a request's User-Agent (patching/managedfields.manager_from_user_agent), remembered
   per User-Agent (on) or worked out character by character (off: the function under the cache), for kubectl's.

The etcd client's other change of the session, grpc.aio replaced by storage/grpcwire.py, is measured by
bench/grpc_calls.py and bench/write_path.py (README, *Why this etcd client*).

Writes ``bench/results/session13_changes.json`` and ``.png``. Usage: ``python -m bench.session13_changes``
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiokube.apiserver.patching.managedfields import manager_from_user_agent
from aiokube.storage.grpcwire import GrpcConnection, GrpcStream

from .common import run_micro_items
from .session_changes import per_op

Rows = dict[str, tuple[float, float]]
KUBECTL = "kubectl/v1.36.0 (linux/amd64) kubernetes/abcdef0"


def _first_data(stream: GrpcStream, payload: bytes) -> None:
    """GrpcStream.data as first written (a45c320..720b0f1)."""
    buf = stream.partial
    buf += payload
    pos, size = 0, len(buf)
    while size - pos >= 5:
        length = int.from_bytes(buf[pos + 1 : pos + 5], "big")
        if size - pos - 5 < length:
            break
        stream.messages.append((bytes(buf[pos + 5 : pos + 5 + length]), stream.conn.last_received))
        pos += 5 + length
    del buf[:pos]


def _frames(size: int, frame: int) -> list[bytes]:
    message = b"\x00" + size.to_bytes(4, "big") + b"e" * size
    return [message[i : i + frame] for i in range(0, len(message), frame)]


def _feed(frames: list[bytes], data: Callable[[GrpcStream, bytes], None]) -> Callable[[], None]:
    loop = asyncio.new_event_loop()
    stream = GrpcStream(GrpcConnection(loop), 1)

    def once() -> None:
        for payload in frames:
            data(stream, payload)
        stream.messages.clear()

    return once


def stream_messages(rounds: int, budget: float) -> Rows:
    rows = {}
    for label, frames in (("1 KB event in one frame", _frames(1024, 1 << 14)),
                          ("1 MiB event in 64 frames", _frames(1 << 20, 1 << 14))):  # fmt: skip
        on = per_op(_feed(frames, GrpcStream.data), rounds, budget)
        off = per_op(_feed(frames, _first_data), rounds, budget)
        rows[label] = (on, off)
    return rows


def field_manager(rounds: int, budget: float) -> Rows:
    on = per_op(lambda: manager_from_user_agent(KUBECTL), rounds, budget)
    off = per_op(lambda: manager_from_user_agent.__wrapped__(KUBECTL), rounds, budget)
    return {"kubectl's User-Agent": (on, off)}


ITEMS = {"watch stream messages": stream_messages, "field manager": field_manager}


def main(argv: list[str] | None = None) -> None:
    title = "thirteenth session: watch stream messages, field manager by User-Agent, CPU per operation, on vs off"
    run_micro_items("session13_changes", __doc__ or "", ITEMS, argv, title=title, switch="the code before",
                    log=True)  # fmt: skip


if __name__ == "__main__":
    main()

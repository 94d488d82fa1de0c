"""etcd v3 storage for aiokube: client, key layout, object store, embedded etcd launcher. Knows no HTTP."""

import os

# grpc's fork handlers print a warning whenever we fork the embedded etcd while a channel is open; we
# exec right after forking, so they are not needed.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "0")

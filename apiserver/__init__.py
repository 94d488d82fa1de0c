"""aiokube's HTTP side: routing, handlers, resource registry, admission, discovery, ``python -m aiokube.apiserver``."""

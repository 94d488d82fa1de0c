"""The socket end of responses: chunked writing with back-pressure and the flusher that batches writes
across watches (what kube leaves to net/http).
"""

"""``python -m bench`` (``make bench``): every benchmark, one line per figure with its on/off ratio."""

from . import dispatch, list_cache, watch_interval

for module in (watch_interval, dispatch, list_cache):
    module.main()

"""``python -m bench`` (``make bench``): every benchmark, one line per figure with its on/off ratio."""

from . import (
    big_object,
    conversions,
    dispatch,
    fanout_cache,
    json_libs,
    list_cache,
    list_splice,
    pprof_overhead,
    slo_report,
    watch_fanout,
    watch_interval,
    watch_metrics,
    write_path,
)

for module in (
    watch_interval,
    dispatch,
    list_cache,
    fanout_cache,
    list_splice,
    json_libs,
    watch_metrics,
    watch_fanout,
    slo_report,
    pprof_overhead,
    write_path,
    big_object,
    conversions,
):
    module.main()

"""Tasks for the aggregate results: snapshots, recomputation of stale surveys."""

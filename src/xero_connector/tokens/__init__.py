"""Grant lifecycle: token sets, refresh-ahead, cross-process fencing, grace recovery, keep-alive."""

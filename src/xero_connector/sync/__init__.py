"""Sync runs: claim records, push batches to Xero concurrently, reconcile results, progress.

A run is a row (``sync_runs``) advanced by short slice jobs (``tasks.sync``); see docs/sync.md.
"""

"""Repositories: every SQL statement of the service lives in a module of this package.

They ``flush()`` and never commit: the request dependency, the job's session scope or the CLI
command commits.
"""

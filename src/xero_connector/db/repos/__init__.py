"""Repositories: every SQL statement of the service lives in a module of this package."""

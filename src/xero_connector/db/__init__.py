"""Persistence: models, engines, sessions, repositories. All SQL lives in this package."""

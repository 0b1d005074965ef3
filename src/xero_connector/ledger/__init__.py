"""Ingestion of platform records into the outbox, and their translation to Xero payloads."""

"""The dispatcher seam: arq in scale-out, an in-process runner in dev, the same task functions.

Only ``jobs.arq_worker`` imports arq. Tasks (``xero_connector.tasks``) raise the project's own
``TransientError``; the seam turns it into a retry with backoff and jitter.
"""

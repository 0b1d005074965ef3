"""Plain background task functions ``async def task(ctx, *ids)``: idempotent, taking ids.

They run unchanged under arq (``xero-connector worker``) and under the in-process runner
(``dev``); ``ctx["resources"]`` holds a ``TaskResources``. They raise the project's
``TransientError`` for "try again later"; the dispatcher seam decides when.
"""

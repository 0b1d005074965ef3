"""``python -m xero_connector``: the same command as ``xero-connector``."""

from xero_connector.cli import main

main()

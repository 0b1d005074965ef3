from xero_connector.cli import main

main()

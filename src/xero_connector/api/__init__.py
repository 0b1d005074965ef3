"""The HTTP layer: thin routers, the dependencies they share, error rendering and the contract."""

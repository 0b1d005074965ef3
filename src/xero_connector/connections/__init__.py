"""Connections: listing, reading and disconnecting a workspace's Xero organisations."""

from xero_connector.connections.access import GrantTokens
from xero_connector.connections.disconnect import DisconnectWork
from xero_connector.connections.paging import Page
from xero_connector.connections.service import Disconnector, get_connection, list_connections

__all__ = [
    "DisconnectWork",
    "Disconnector",
    "GrantTokens",
    "Page",
    "get_connection",
    "list_connections",
]

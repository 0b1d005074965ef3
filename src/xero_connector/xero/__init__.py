"""The boundary to Xero: identity (OAuth) calls, the API client, error classification."""

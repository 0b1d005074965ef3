"""The Xero settings cache (organisation, accounts, tax rates, tracking) and workspace mappings.

- ``pull``: reads the settings from Xero and stores them (``settings_pulled_at`` moves);
- ``catalog``: the cached settings of one connection, loaded for validation and look-ups;
- ``rules``: what Xero allows (which accounts a line or a bank transaction may use, which tax
  types suit which account classes);
- ``validate``/``drift``/``suggest``: checking a PUT, noticing what changed at Xero, ranking
  candidates for unmapped keys;
- ``service``: what the API routes call; ``resolver``: what translation and sync call.
"""

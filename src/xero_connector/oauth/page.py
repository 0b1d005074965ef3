"""The small HTML page a callback without ``return_url`` answers (no external assets).

Opened as a popup, it posts ``{source: "xero-connector", status, connection_ids | error}`` to
``window.opener`` and closes; otherwise it just names the outcome. The message holds nothing
secret (connection ids or an error code); it is addressed to the configured return URL origins,
or to any origin when none are configured.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from string import Template
from typing import Any

from xero_connector.oauth.outcome import CallbackOutcome

_MESSAGES = {
    "connected": "Your Xero organisation is connected. You can close this window.",
    "access_denied": "Access was not granted in Xero. Nothing was connected.",
    "exchange_failed": "Xero did not accept the sign-in. Please try connecting again.",
    "invalid_id_token": "Xero's sign-in could not be verified. Please try connecting again.",
    "no_organisation": "No Xero organisation was chosen. Please connect again and pick one.",
    "xero_unavailable": "Xero is not answering right now. Please try again in a few minutes.",
}

_PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body{font-family:system-ui,sans-serif;margin:3rem auto;max-width:32rem;padding:0 1rem;color:#1b2a35}
h1{font-size:1.4rem}.error{color:#a1260d}code{background:#f2f4f5;padding:0 .25rem}
</style>
</head>
<body>
<h1 class="$status">$title</h1>
<p>$message</p>
$detail
<script>
(function () {
  var message = $payload;
  var origins = $origins;
  if (window.opener && !window.opener.closed) {
    origins.forEach(function (origin) { window.opener.postMessage(message, origin); });
    if (message.status === "connected") { window.close(); }
  }
})();
</script>
</body>
</html>
""")


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_callback_page(outcome: CallbackOutcome, *, opener_origins: Sequence[str]) -> str:
    """The page for ``outcome``."""
    payload: dict[str, Any] = {"source": "xero-connector", "status": outcome.status}
    if outcome.error:
        payload["error"] = outcome.error
        title = "Xero connection failed"
        message = _MESSAGES.get(outcome.error, "Xero reported an error. Nothing was connected.")
        detail = f"<p>Error code: <code>{escape(outcome.error)}</code></p>"
    else:
        payload["connection_ids"] = list(outcome.connection_ids)
        title = "Connected to Xero"
        message = _MESSAGES["connected"]
        detail = ""
    return _PAGE.substitute(
        title=escape(title),
        status=escape(outcome.status),
        message=escape(message),
        detail=detail,
        payload=_script_json(payload),
        origins=_script_json(list(opener_origins) or ["*"]),
    )

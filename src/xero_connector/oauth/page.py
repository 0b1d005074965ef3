"""The small HTML page a callback without ``return_url`` answers (no external assets); a
browser that brings a refused or replayed state sees it too, with the error ``invalid_state``.

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
    "internal_error": "Xero accepted the sign-in but the connection could not be saved. "
    "Nothing was connected; please try again.",
    "invalid_state": "This sign-in link is unknown, expired or already used. Nothing was "
    "connected by it. Please start connecting again.",
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
    if outcome.error:
        return render_error_page(outcome.error, opener_origins=opener_origins)
    payload = {
        "source": "xero-connector",
        "status": outcome.status,
        "connection_ids": list(outcome.connection_ids),
    }
    return _render(payload, "Connected to Xero", _MESSAGES["connected"], "", opener_origins)


def render_error_page(error: str, *, opener_origins: Sequence[str]) -> str:
    """The page of a failed callback (``invalid_state`` included: a refused or replayed state)."""
    payload = {"source": "xero-connector", "status": "error", "error": error}
    message = _MESSAGES.get(error, "Xero reported an error. Nothing was connected.")
    detail = f"<p>Error code: <code>{escape(error)}</code></p>"
    return _render(payload, "Xero connection failed", message, detail, opener_origins)


def _render(
    payload: dict[str, Any],
    title: str,
    message: str,
    detail: str,
    opener_origins: Sequence[str],
) -> str:
    return _PAGE.substitute(
        title=escape(title),
        status=escape(str(payload["status"])),
        message=escape(message),
        detail=detail,
        payload=_script_json(payload),
        origins=_script_json(list(opener_origins) or ["*"]),
    )

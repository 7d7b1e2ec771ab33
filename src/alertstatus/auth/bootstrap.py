"""First start with authentication on and no API key stored: one admin key, printed once.

So `make run` stays usable: the newcomer copies the printed header. Later starts find a key and
print nothing. Several workers race on a fixed document id: exactly one creates and prints it.
Turn off with `ALERTSTATUS_AUTH_BOOTSTRAP_ADMIN_KEY=false` (then use `alertstatus apikey create`).
"""

from __future__ import annotations

import logging
import sys

from alertstatus.auth.service import Authenticator
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import Settings

log = logging.getLogger(__name__)


async def bootstrap_admin_key(authenticator: Authenticator, settings: Settings) -> None:
    if not (settings.auth_enabled and settings.auth_bootstrap_admin_key):
        return
    try:
        key = await authenticator.api_keys.bootstrap_admin()
    except ElasticsearchError as error:  # retried at the next start; the API still serves
        log.warning("could not check for a bootstrap API key: %s", error.reason())
        return
    if key is None:
        return
    sys.stderr.write(
        "\n"
        "  No API key existed, so an admin key for every space was created (shown only once):\n"
        f"    id:     {key.id}\n"
        f"    header: Authorization: {key.header}\n"
        "  Create narrower keys with `alertstatus apikey create --role analyst --space default`,\n"
        f"  then revoke this one with `alertstatus apikey revoke {key.id}`.\n\n"
    )
    sys.stderr.flush()

"""First start with authentication on and no API key stored: one admin key, kept in a private file.

So `make run` stays usable: the newcomer reads the key from `bootstrap-admin-key` in the service
home (`ALERTSTATUS_HOME`, `~/.cache/alertstatus`), a file only the service's user can read (0600).
Standard error names the file and never shows the secret: what a server prints ends up in logs
that others read. The key's id is random like any other's. Later starts find a key and do nothing;
of several workers starting together exactly one creates the key (api_keys.bootstrap_admin).
Turn off with `ALERTSTATUS_AUTH_BOOTSTRAP_ADMIN_KEY=false` (then use `alertstatus apikey create`).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from alertstatus.auth.api_keys import NewApiKey
from alertstatus.auth.service import Authenticator
from alertstatus.es.gateway import ElasticsearchError
from alertstatus.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE_NAME = "bootstrap-admin-key"


def key_file(settings: Settings) -> Path:
    return settings.home / KEY_FILE_NAME


def write_key_file(path: Path, key: NewApiKey) -> None:
    """The key, readable by this user only; written whole or not at all (a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# alertstatus: the admin key for every space made on the first start.\n"
        "# Keep it somewhere safe, then delete this file.\n"
        f"id: {key.id}\n"
        f"encoded: {key.encoded}\n"
        f"header: Authorization: {key.header}\n"
    )
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


async def bootstrap_admin_key(authenticator: Authenticator, settings: Settings) -> None:
    if not (settings.auth_enabled and settings.auth_bootstrap_admin_key):
        return
    path = key_file(settings)
    try:
        key = await authenticator.api_keys.bootstrap_admin(lambda key: write_key_file(path, key))
    except ElasticsearchError as error:  # retried at the next start; the API still serves
        log.warning("could not check for a bootstrap API key: %s", error.reason())
        return
    except OSError as error:
        log.error(
            "no bootstrap API key: could not write %s (%s); create one with "
            "`alertstatus apikey create --role admin --all-spaces`",
            path,
            error.strerror or error,
        )
        return
    if key is None:
        return
    sys.stderr.write(
        "\n"
        "  No API key existed, so an admin key for every space was created. It is in\n"
        f"    {path}\n"
        "  (readable by this user only). Keep it, delete the file, create narrower keys with\n"
        "  `alertstatus apikey create --role analyst --space default`, then revoke this one\n"
        "  with `alertstatus apikey revoke <id>` (its id is in the file).\n\n"
    )
    sys.stderr.flush()

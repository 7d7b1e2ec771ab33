"""F15: the first-start admin key was printed to standard error (which ends up in logs others can
read), under the fixed id `bootstrap-admin`.

Now its id is random like any key's, and the key is written to `bootstrap-admin-key` in the
service home (`ALERTSTATUS_HOME`, `~/.cache/alertstatus`), readable by the service's user only;
standard error names the file and shows no secret (docs/security.md, "First start").
"""

from __future__ import annotations

import re
import stat
import uuid
from concurrent.futures import ThreadPoolExecutor

KEY_FILE = "bootstrap-admin-key"


def read_key_file(path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line and not line.startswith("#"))


def test_first_start_writes_the_key_to_a_private_file_and_prints_only_its_path(
    make_client, capfd, tmp_path
) -> None:
    index = f".alertstatus-api-keys-{uuid.uuid4().hex[:8]}"
    make_client(authorization=None, api_key_index=index, home=tmp_path)
    printed = capfd.readouterr().err

    key_file = tmp_path / KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = read_key_file(key_file)
    assert str(key_file) in printed
    assert key["encoded"] not in printed and "ApiKey" not in printed
    assert key["header"] == f"Authorization: ApiKey {key['encoded']}"
    assert key["id"] != "bootstrap-admin" and re.fullmatch(r"[0-9a-f]{20}", key["id"])

    admin = make_client(authorization=f"ApiKey {key['encoded']}", api_key_index=index)
    whoami = admin.get("/api/alertstatus/whoami").json()
    assert (whoami["role"], whoami["spaces"]) == ("admin", None)

    make_client(authorization=None, api_key_index=index, home=tmp_path)
    assert KEY_FILE not in capfd.readouterr().err  # only the first start
    assert read_key_file(key_file) == key


def test_two_ids_are_never_the_same(make_client, tmp_path) -> None:
    ids = set()
    for name in ("a", "b"):
        home = tmp_path / name
        index = f".alertstatus-api-keys-{uuid.uuid4().hex[:8]}"
        make_client(authorization=None, api_key_index=index, home=home)
        ids.add(read_key_file(home / KEY_FILE)["id"])
    assert len(ids) == 2


def test_workers_starting_together_make_one_key(make_client, es, capfd, tmp_path) -> None:
    index = f".alertstatus-api-keys-{uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as pool:
        list(
            pool.map(
                lambda _: make_client(authorization=None, api_key_index=index, home=tmp_path),
                range(4),
            )
        )
    assert capfd.readouterr().err.count(str(tmp_path / KEY_FILE)) == 1
    key = read_key_file(tmp_path / KEY_FILE)
    es.call("POST", f"/{index}/_refresh")
    hits = es.call("POST", f"/{index}/_search", {"query": {"term": {"revoked": False}}})
    assert [hit["_id"] for hit in hits["hits"]["hits"]] == [key["id"]]

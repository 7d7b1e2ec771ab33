"""F11: an unknown key id or Basic user was refused at once (about 10 ms) while a known one ran
argon2 (about 300 ms): the time of a 401 said whether the id or user exists. The fixed id of the
bootstrap key let anyone start argon2 work on it.

Now every refusal of a well-formed credential costs one argon2 check: an unknown id or user is
checked against a dummy hash made with the same parameters (docs/security.md, "Authentication").
Asserted structurally, by counting the checks and the hashes they ran on, not with a clock.
"""

from __future__ import annotations

import base64
import threading

from alertstatus.auth import hashing
from tests.integration.test_auth import key_id_of

WHOAMI = "/api/alertstatus/whoami"


class RecordingVerify:
    """Wraps the argon2 check and records the hash each call ran against."""

    def __init__(self, monkeypatch) -> None:
        self.hashes: list[str] = []
        self.lock = threading.Lock()
        self.original = hashing._verify
        monkeypatch.setattr(hashing, "_verify", self)

    def __call__(self, stored_hash: str, secret: str) -> bool:
        with self.lock:
            self.hashes.append(stored_hash)
        return self.original(stored_hash, secret)


def parameters(argon2_hash: str) -> str:
    """`$argon2id$v=19$m=65536,t=3,p=4`: the part of a PHC string that sets the work."""
    return "$".join(argon2_hash.split("$")[:4])


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_an_unknown_key_id_costs_the_same_argon2_check_as_a_wrong_secret(
    make_client, make_key, es, monkeypatch
) -> None:
    header = make_key("viewer", ("default",))
    key_id = key_id_of(header)
    stored = es.call("GET", f"/.alertstatus-api-keys/_doc/{key_id}")["_source"]["hash"]
    client = make_client(authorization=None)
    verify = RecordingVerify(monkeypatch)

    wrong_secret = client.get(WHOAMI, headers={"authorization": f"ApiKey {b64(key_id + ':x')}"})
    unknown_id = client.get(WHOAMI, headers={"authorization": f"ApiKey {b64('a' * 20 + ':x')}"})

    assert wrong_secret.json() == unknown_id.json()
    assert (wrong_secret.status_code, unknown_id.status_code) == (401, 401)
    assert len(verify.hashes) == 2
    assert verify.hashes[0] == stored
    assert parameters(verify.hashes[1]) == parameters(stored)


def test_an_unknown_basic_user_costs_the_same_argon2_check_as_a_wrong_password(
    make_client, monkeypatch
) -> None:
    alice = hashing.hash_secret("wonderland")
    users = [{"username": "alice", "password_hash": alice, "role": "viewer"}]
    client = make_client(authorization=None, auth_users=users)
    verify = RecordingVerify(monkeypatch)

    wrong_password = client.get(WHOAMI, headers={"authorization": "Basic " + b64("alice:guess")})
    unknown_user = client.get(WHOAMI, headers={"authorization": "Basic " + b64("mallory:guess")})

    assert (wrong_password.status_code, unknown_user.status_code) == (401, 401)
    assert len(verify.hashes) == 2
    assert verify.hashes[0] == alice
    assert parameters(verify.hashes[1]) == parameters(alice)

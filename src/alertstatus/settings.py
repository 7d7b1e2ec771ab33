"""The one settings object: every knob is an environment variable (docs/configuration.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from alertstatus.auth.models import BasicUser
from alertstatus.engine.model import validate_space_id

# The engines a local node can run (es/engines.py says what each needs).
EngineName = Literal["elasticsearch-7.10", "opensearch-2.19", "opensearch-3.8"]


def _default_home() -> Path:
    return Path.home() / ".cache" / "alertstatus"


class Settings(BaseSettings):
    """Service configuration, read from `ALERTSTATUS_*` and `ELASTICSEARCH_*` variables."""

    model_config = SettingsConfigDict(env_prefix="ALERTSTATUS_", extra="ignore")

    # --- where Elasticsearch is -------------------------------------------------------------
    elasticsearch_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ELASTICSEARCH_URL"),
        description="The cluster to use. Unset: `serve` starts (or reuses) a local node.",
    )
    elasticsearch_api_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ELASTICSEARCH_API_KEY"),
        repr=False,
        description="Elasticsearch API key (the base64 `id:key` form); wins over user/password.",
    )
    elasticsearch_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ELASTICSEARCH_USERNAME"),
        description="User for HTTP basic authentication to Elasticsearch.",
    )
    elasticsearch_password: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ELASTICSEARCH_PASSWORD"),
        repr=False,
        description="Password for ELASTICSEARCH_USERNAME.",
    )
    elasticsearch_ca_certs: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ELASTICSEARCH_CA_CERTS"),
        description="PEM file of the CA that signed the cluster's certificate.",
    )
    elasticsearch_verify_certs: bool = Field(
        default=True,
        validation_alias=AliasChoices("ELASTICSEARCH_VERIFY_CERTS"),
        description="Verify the cluster's TLS certificate (turn off only for local testing).",
    )
    elasticsearch_request_timeout: float = Field(
        default=3600.0,
        gt=0,
        validation_alias=AliasChoices("ELASTICSEARCH_REQUEST_TIMEOUT"),
        description="Seconds one Elasticsearch call may take; big synchronous closures need long.",
    )
    elasticsearch_max_retries: int = Field(
        default=2,
        ge=0,
        validation_alias=AliasChoices("ELASTICSEARCH_MAX_RETRIES"),
        description="Retries on connection errors (never on timeouts or error statuses).",
    )
    elasticsearch_connections: int = Field(
        default=64,
        ge=1,
        validation_alias=AliasChoices("ELASTICSEARCH_CONNECTIONS"),
        description="Pooled HTTP connections to each Elasticsearch node.",
    )

    # --- the HTTP service -------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the API server binds to.")
    port: int = Field(default=5601, description="API port (Kibana's, so Kibana scripts work).")

    # --- the local node the project starts itself ---------------------------------------------
    home: Path = Field(
        default_factory=_default_home,
        description="Cache folder: Elasticsearch jars, the local node's data and logs.",
    )
    engine: EngineName = Field(
        default="elasticsearch-7.10",
        description=(
            "The local node's engine: `elasticsearch-7.10` (Elasticsearch 7.10.2, Java 11-17), "
            "`opensearch-2.19` (OpenSearch 2.19.6, Java 11-21) or `opensearch-3.8` "
            "(OpenSearch 3.8.0, Java 21+). Ignored when ELASTICSEARCH_URL is set."
        ),
    )
    es_port: int = Field(default=9200, description="HTTP port of the local node (up to 9299).")
    es_heap: str = Field(default="1g", description="JVM heap of the local node (-Xms/-Xmx).")
    es_start_timeout: float = Field(
        default=180.0, description="Seconds to wait for the local node to become healthy."
    )
    java: str | None = Field(
        default=None, description="Path of the java binary for the local node (found if unset)."
    )

    # --- behaviour ------------------------------------------------------------------------------
    skip_unchanged: bool = Field(
        default=False,
        description=(
            "false (Kibana's counting): every matched alert is rewritten and counted `updated`, "
            "its workflow fields changed only when its status changes. true: alerts already in "
            "the target status are left untouched and counted `noops` (faster). A request's "
            "`?skip_unchanged=` overrides it; the CLI skips by default."
        ),
    )
    repair_null_range: bool = Field(
        default=True,
        description="Rewrite Kibana's documented `{field: {...}, range: null}` into `range`.",
    )
    extra_close_reasons: list[str] = Field(
        default_factory=list,
        description="Custom closing reasons (Kibana's securitySolution:detectionsCloseReasons).",
    )
    install_templates: bool = Field(
        default=True,
        description="Install index templates and create a space's index on first use. "
        "Existing templates not made by alertstatus (Kibana's) are never changed.",
    )
    max_spaces: int = Field(
        default=1000,
        ge=1,
        description=(
            "Spaces whose alerts index a status change may create; a write to a new space past "
            "it is 400. Reads never create indices."
        ),
    )
    alerts_shards: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description=(
            "Primary shards of the alerts index a status change creates for a new space; unset: "
            "the engine's default (1). A multi-node cluster spreads a closure over them."
        ),
    )
    alerts_replicas: int | None = Field(
        default=None,
        ge=0,
        le=16,
        description=(
            "Replicas of a new space's alerts index; unset: the template's "
            "`auto_expand_replicas: 0-1` (one replica once a second node exists)."
        ),
    )

    # --- operations: logs and metrics (docs/operations.md) -----------------------------------
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto",
        description="Log lines: `json` (one object a line), `text`, or `auto` (text on a "
        "terminal, JSON otherwise).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level logged; INFO writes one line per request."
    )

    # --- dialects and status history (docs/dialects.md) ------------------------------
    status_history: bool = Field(
        default=True,
        description="Record every status change: a record per request, an entry per alert.",
    )
    status_history_limit: int = Field(
        default=20,
        ge=1,
        le=1_000,
        description="Entries kept in each alert (oldest dropped; their change records stay).",
    )
    utmstack_space_id: str = Field(
        default="default", description="The space UTMStack's routes work in (it has no spaces)."
    )
    chad_space_id: str = Field(
        default="default", description="The space CHAD's routes work in (it has no spaces)."
    )

    @field_validator("utmstack_space_id", "chad_space_id")
    @classmethod
    def _valid_space(cls, space_id: str) -> str:
        return validate_space_id(space_id)

    # --- scale: big closures, async tasks, id splitting (docs/scale.md) -------------------------
    update_slices: str = Field(
        default="shards",
        pattern=r"^(shards|auto|[1-9][0-9]{0,2})$",
        description=(
            "`slices` of `_update_by_query`. `shards`: a query selecting at least "
            "`ALERTSTATUS_SLICE_MIN_ALERTS` alerts on a multi-shard alias gets one slice per "
            "primary shard, anything else one (Kibana's shape). `auto` or a number: every call."
        ),
    )
    slice_min_alerts: int = Field(
        default=20_000,
        ge=1,
        description=(
            "With `shards` slicing, the fewest alerts a query must select to be sliced (a "
            "search that stops counting there decides; measured: docs/performance.md)."
        ),
    )
    prefilter_unchanged: bool = Field(
        default=False,
        description=(
            "When a change skips unchanged alerts, also leave those already in the target status "
            "out of the query (they then count in neither `total` nor `noops`)."
        ),
    )
    update_requests_per_second: float = Field(
        default=-1,
        description="Throttle of each `_update_by_query` (docs per second); -1 is unthrottled.",
    )
    max_ids_per_request: int = Field(
        default=500_000,
        ge=1,
        description="Most alert ids one request may name; more is a 400 before Elasticsearch.",
    )
    max_terms_count_cache_seconds: float = Field(
        default=300.0,
        ge=0,
        description=(
            "How long an alias's `index.max_terms_count` and primary shard count (one settings"
            " read) are cached before re-reading."
        ),
    )

    # --- throughput: refreshes and admission (docs/performance.md) -----------------------------
    refresh: Literal["coalesced", "per_request"] = Field(
        default="coalesced",
        description=(
            "`coalesced`: status writes run with `refresh=false`, then wait for a refresh of the "
            "alias begun after they ended, one shared by all concurrent writes. `per_request`: "
            "Kibana's `refresh=true` on each. A success means a search sees the change either way."
        ),
    )
    refresh_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a shared refresh may take; past it the change answers 503 "
        "(applied, not yet visible to search: docs/reliability.md).",
    )
    updates_per_alias: int = Field(
        default=16,
        ge=1,
        description="Status writes running at once on one space's alerts; more wait in a queue.",
    )
    updates_total: int = Field(
        default=32,
        ge=1,
        description="Status writes running at once over all spaces; more wait in a queue.",
    )
    update_queue: int = Field(
        default=1024,
        ge=0,
        description="Status writes that may wait for a slot; past it a write is refused with 429 "
        "and `Retry-After` before anything is recorded or sent.",
    )
    retry_after: int = Field(
        default=1, ge=1, description="Seconds a 429's `Retry-After` asks the caller to wait."
    )

    # --- security (docs/security.md) -----------------------------------------------------------
    auth_enabled: bool = Field(
        default=True,
        description="Require credentials on every API route; false = every caller is an admin.",
    )
    auth_bootstrap_admin_key: bool = Field(
        default=True,
        description="On start with no API key stored at all, create one admin key and print it.",
    )
    api_key_index: str = Field(
        default=".alertstatus-api-keys", description="Index holding API keys (hashed)."
    )
    api_key_cache_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="Seconds a secret that passed argon2 is remembered (a SHA-256 of it) and not "
        "hashed again; revocation and expiry are re-checked apart (auth_recheck_seconds).",
    )
    auth_recheck_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds a process trusts its copy of an API key's or session's record before "
        "reading it again: how soon revocation, a new expiry or a logout reach every worker.",
    )
    api_key_last_used_interval: float = Field(
        default=300.0, ge=0, description="Seconds between two writes of a key's `last_used_at`."
    )
    auth_users: list[BasicUser] = Field(
        default_factory=list,
        description="Basic users as JSON: [{username, password_hash (argon2), role, spaces}].",
    )
    jwt_secret: str | None = Field(default=None, repr=False, description="HS256 shared secret.")
    jwt_public_key_file: Path | None = Field(
        default=None, description="PEM public key for RS256/ES256 bearer tokens."
    )
    jwt_jwks_file: Path | None = Field(default=None, description="JWKS file (keys picked by kid).")
    jwt_algorithms: list[str] = Field(
        default_factory=lambda: ["RS256", "ES256"],
        description="Accepted asymmetric algorithms (HS256 is used only with jwt_secret).",
    )
    jwt_issuer: str | None = Field(default=None, description="Required `iss`, when set.")
    jwt_audience: str | None = Field(default=None, description="Required `aud`, when set.")
    jwt_leeway: float = Field(default=30.0, ge=0, description="Clock skew allowed on exp/nbf.")
    jwt_role_claim: str = Field(
        default="role", description="Claim holding viewer|analyst|admin (or a list of roles)."
    )
    jwt_spaces_claim: str = Field(
        default="spaces", description='Claim holding the space ids, or "*" for every space.'
    )
    jwt_name_claim: str = Field(default="sub", description="Claim naming the caller.")
    session_secret: str | None = Field(
        default=None,
        repr=False,
        description="Signs cookie sessions and CSRF tokens; random per process when unset.",
    )
    session_ttl: float = Field(
        default=3600.0,
        gt=0,
        description="Cookie session lifetime (s); never past the expiry of the credential it was "
        "started with.",
    )
    session_index: str = Field(
        default=".alertstatus-sessions",
        description="Index holding a record per cookie session (ended at logout).",
    )
    session_cookie_secure: bool = Field(
        default=True, description="Mark the session cookie Secure (HTTPS only)."
    )
    max_body_bytes: int = Field(
        default=64 * 1_048_576,
        ge=1024,
        description="Larger request bodies get 413 before parsing (room for 500k-id closures).",
    )
    max_unauthenticated_body_bytes: int = Field(
        default=4096,
        ge=0,
        description="Most body bytes read from a caller without a valid credential (401 past it); "
        "routes that need one answer 401 before reading any.",
    )
    body_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds a request body may take to arrive, from the request's start (408).",
    )
    query_allow_scripts: bool = Field(
        default=False,
        description=(
            "Let callers' queries and searches carry scripts (script, script_score, "
            "function_score queries, runtime fields, aggregation scripts)."
        ),
    )
    query_allow_lookups: bool = Field(
        default=False,
        description=(
            "Let callers' queries read other documents (terms lookup, more_like_this, percolate)."
        ),
    )
    search_timeout: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description=(
            "Seconds Elasticsearch may spend on a caller's query: `timeout` of every search, "
            "`search_timeout` of each batch of a by-query `_update_by_query`."
        ),
    )

    # --- rules: Kibana's alerting rule APIs (docs/rules.md) --------------------------------------
    rules_opaque_types: list[str] = Field(
        default_factory=list,
        description=(
            "Rule type ids accepted with unchecked params besides `.index-threshold` "
            "(e.g. Kibana's `siem.queryRule`); unknown types are refused with 400."
        ),
    )


def environment_variable(name: str) -> str:
    """The variable a field is read from."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"ALERTSTATUS_{name.upper()}"


def settings_table() -> str:
    """Every setting as a Markdown table row: docs/configuration.md is generated from this."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
        default = "`~/.cache/alertstatus`" if name == "home" else f"`{value!r}`"
        description = (field.description or "").replace("|", "\\|")
        rows.append(f"| `{environment_variable(name)}` | {default} | {description} |")
    return "\n".join(rows) + "\n"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()

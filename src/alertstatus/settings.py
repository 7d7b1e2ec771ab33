"""The one settings object: every knob is an environment variable (docs/configuration.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".cache" / "alertstatus"


class Settings(BaseSettings):
    """Service configuration, read from `ALERTSTATUS_*` and `ELASTICSEARCH_*` variables."""

    model_config = SettingsConfigDict(env_prefix="ALERTSTATUS_", extra="ignore")

    # --- where Elasticsearch is -------------------------------------------------------------
    elasticsearch_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ELASTICSEARCH_URL")
    )
    elasticsearch_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("ELASTICSEARCH_API_KEY"), repr=False
    )
    elasticsearch_username: str | None = Field(
        default=None, validation_alias=AliasChoices("ELASTICSEARCH_USERNAME")
    )
    elasticsearch_password: str | None = Field(
        default=None, validation_alias=AliasChoices("ELASTICSEARCH_PASSWORD"), repr=False
    )
    elasticsearch_ca_certs: str | None = Field(
        default=None, validation_alias=AliasChoices("ELASTICSEARCH_CA_CERTS")
    )
    elasticsearch_verify_certs: bool = Field(
        default=True, validation_alias=AliasChoices("ELASTICSEARCH_VERIFY_CERTS")
    )
    elasticsearch_request_timeout: float = Field(
        default=3600.0,
        gt=0,
        validation_alias=AliasChoices("ELASTICSEARCH_REQUEST_TIMEOUT"),
        description="Seconds one Elasticsearch call may take; big synchronous closures need long.",
    )
    elasticsearch_max_retries: int = Field(
        default=2, ge=0, validation_alias=AliasChoices("ELASTICSEARCH_MAX_RETRIES")
    )
    elasticsearch_connections: int = Field(
        default=64,
        ge=1,
        validation_alias=AliasChoices("ELASTICSEARCH_CONNECTIONS"),
        description="Pooled HTTP connections to each Elasticsearch node.",
    )

    # --- the HTTP service -------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 5601

    # --- the local node the project starts itself ---------------------------------------------
    home: Path = Field(default_factory=_default_home)
    es_port: int = 9200
    es_heap: str = "1g"
    es_start_timeout: float = 180.0
    java: str | None = Field(
        default=None, description="Path of the java binary for the local node (found if unset)."
    )

    # --- behaviour ------------------------------------------------------------------------------
    skip_unchanged: bool = Field(
        default=True,
        description=(
            "Alerts already in the target status are not rewritten (counted as noops). "
            "false = Kibana-identical counting: every matched alert is rewritten, counted updated."
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
    install_templates: bool = True

    # --- scale: big closures, async tasks, id splitting (docs/scale.md) -------------------------
    update_slices: str = Field(
        default="1",
        pattern=r"^(auto|[1-9][0-9]{0,2})$",
        description=(
            "`slices` of each `_update_by_query`: `auto` or a number. 1 (measured best on one "
            "single-shard node, docs/performance.md) keeps Kibana's response shape."
        ),
    )
    prefilter_unchanged: bool = Field(
        default=False,
        description=(
            "With skip_unchanged, also leave alerts already in the target status out of the query "
            "(they then count in neither `total` nor `noops`)."
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
        description="How long an alias's `index.max_terms_count` is cached before re-reading.",
    )

    # --- security -------------------------------------------------------------------------------
    auth_enabled: bool = Field(
        default=False,
        description="Require credentials on every route (issue 4 turns this on by default).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()

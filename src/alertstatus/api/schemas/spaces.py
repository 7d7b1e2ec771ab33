"""The body of Kibana's Spaces API (`POST /api/spaces/space`, `PUT /api/spaces/space/{id}`).

Kibana validates it with `@kbn/config-schema` (`lib/space_schema.ts`): the validators below raise
its texts (type `kibana`), which api/config_schema.py renders as `[request body.<key>]: <text>`.
Unknown keys are refused, as config-schema objects refuse them; an explicit `null` is not an
absent value there either.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from alertstatus.engine.model import SPACE_ID_MAX_LENGTH
from alertstatus.spaces.models import Solution, Space

KIBANA_ERROR = "kibana"  # the error type whose message is Kibana's text, as is
KIBANA_SPACE_ID = re.compile(r"[a-z0-9_\-]+")  # Kibana's SPACE_ID_REGEX
INDEX_SAFE_FIRST = re.compile(r"[a-z0-9]")
HEX_COLOR = re.compile(r"#[a-zA-Z0-9]{6}")
IMAGE_URL = re.compile("data:image[^\n\r\u2028\u2029]*")  # JavaScript's /^data:image.*$/
MAX_INITIALS = 2  # Kibana's MAX_SPACE_INITIALS
MAX_DISABLED_FEATURES = 100

GetAllPurpose = Literal["any", "copySavedObjectsIntoSpace", "shareSavedObjectsIntoSpace"]


def kibana_error(message: str) -> PydanticCustomError:
    return PydanticCustomError(KIBANA_ERROR, message)


def absent_is_not_null(schema: dict[str, Any]) -> None:
    """OpenAPI: an optional key may be left out, never sent as `null` (as the validators say)."""
    for field in schema.get("properties", {}).values():
        choices = field.get("anyOf")
        if isinstance(choices, list) and {"type": "null"} in choices:
            kept = [choice for choice in choices if choice != {"type": "null"}]
            del field["anyOf"]
            field.update(kept[0] if len(kept) == 1 else {"anyOf": kept})


class SpaceBody(BaseModel):
    """A space as Kibana's Spaces API takes it."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_extra=absent_is_not_null
    )

    id: str = Field(
        description="The space id, part of the URL inside the space (`/s/<id>`): lowercase "
        "letters, digits, `_` and `-`. It cannot change; on update the path's id is used."
    )
    name: str = Field(description="The display name of the space.")
    description: str | None = Field(default=None, description="A description of the space.")
    initials: str | None = Field(
        default=None, description="One or two characters shown in the space avatar."
    )
    color: str | None = Field(default=None, description="The avatar color, `#` and 6 hex digits.")
    disabledFeatures: list[str] = Field(
        default_factory=list,
        description="Features turned off in the space (kept as given; at most 100).",
    )
    reserved: bool | None = Field(
        default=None,
        alias="_reserved",
        description="Ignored: only `default` is reserved.",
    )
    imageUrl: str | None = Field(
        default=None, description="A data URL (`data:image...`) shown as the avatar."
    )
    solution: Solution | None = Field(
        default=None, description="The solution view: `security`, `oblt`, `es` or `classic`."
    )
    projectRouting: str | None = Field(
        default=None,
        description="Cross-project search routing (Kibana serverless): refused here.",
    )

    @field_validator(
        "description", "initials", "color", "imageUrl", "solution", "projectRouting", mode="before"
    )
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise kibana_error("expected value of type [string] but got [null]")
        return value

    @field_validator("reserved", mode="before")
    @classmethod
    def _no_null_flag(cls, value: Any) -> Any:
        if value is None:
            raise kibana_error("expected value of type [boolean] but got [null]")
        return value

    @field_validator("id")
    @classmethod
    def _space_id(cls, value: str) -> str:
        if not KIBANA_SPACE_ID.fullmatch(value):
            raise kibana_error("must be lower case, a-z, 0-9, '_', and '-' are allowed")
        if not INDEX_SAFE_FIRST.match(value) or len(value) > SPACE_ID_MAX_LENGTH:
            raise kibana_error(  # ours: the id becomes part of an index name (docs/dialects.md)
                f"must start with a letter or digit and have at most {SPACE_ID_MAX_LENGTH} "
                "characters"
            )
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value:
            raise kibana_error("value has length [0] but it must have a minimum length of [1].")
        return value

    @field_validator("initials")
    @classmethod
    def _initials(cls, value: str) -> str:
        if len(value) > MAX_INITIALS:
            raise kibana_error(
                f"value has length [{len(value)}] but it must have a maximum length of "
                f"[{MAX_INITIALS}]."
            )
        return value

    @field_validator("color")
    @classmethod
    def _color(cls, value: str) -> str:
        if not HEX_COLOR.fullmatch(value):
            raise kibana_error("must be a 6 digit hex color, starting with a #")
        return value

    @field_validator("disabledFeatures")
    @classmethod
    def _features(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_DISABLED_FEATURES:
            raise kibana_error(
                f"array size is [{len(value)}], but cannot be greater than "
                f"[{MAX_DISABLED_FEATURES}]"
            )
        return value

    @field_validator("imageUrl")
    @classmethod
    def _image(cls, value: str) -> str:
        if value != "" and not IMAGE_URL.fullmatch(value):
            raise kibana_error("must start with 'data:image'")
        return value

    def to_space(self, space_id: str) -> Space:
        """The space this body describes, under `space_id` (the body's on create, the path's on
        update); the name is trimmed as Kibana trims it."""
        return Space(
            id=space_id,
            name=self.name.strip(),
            description=self.description,
            color=self.color,
            initials=self.initials,
            image_url=self.imageUrl,
            disabled_features=tuple(self.disabledFeatures),
            solution=self.solution,
        ).with_id(space_id)

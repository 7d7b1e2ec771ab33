"""What a space is, as Kibana's Spaces API shows it, and how one is stored.

Kibana keeps a space as a saved object; here it is one document per space in SPACES_INDEX, keyed
by the space id. A deleted space keeps a tombstone (`deleted: true`): its alerts stay (a space's
alerts are never deleted, docs/dialects.md), and without the tombstone the alias they live behind
would list the space again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from alertstatus.engine.model import DEFAULT_SPACE

SPACES_INDEX = ".alertstatus-spaces"

# Kibana's solution views (`TRADITIONAL_SOLUTION_VIEWS`), in the order its validation names them.
SOLUTIONS = ("security", "oblt", "es", "classic")
Solution = Literal["security", "oblt", "es", "classic"]

# What Kibana's spaces service writes when it creates the default space.
DEFAULT_NAME = "Default"
DEFAULT_DESCRIPTION = "This is your default space!"
DEFAULT_COLOR = "#00bfb3"


@dataclass(frozen=True, slots=True)
class Space:
    """One space: Kibana's attributes, nothing of ours."""

    id: str
    name: str
    description: str | None = None
    color: str | None = None
    initials: str | None = None
    image_url: str | None = None
    disabled_features: tuple[str, ...] = field(default_factory=tuple)
    solution: Solution | None = None
    reserved: bool = False

    def to_kibana(self) -> dict[str, Any]:
        """The body Kibana answers: absent attributes are left out, `_reserved` only when true."""
        body: dict[str, Any] = {"id": self.id, "name": self.name}
        optional = {
            "description": self.description,
            "color": self.color,
            "initials": self.initials,
            "imageUrl": self.image_url,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        body["disabledFeatures"] = list(self.disabled_features)
        if self.reserved:
            body["_reserved"] = True
        if self.solution is not None:
            body["solution"] = self.solution
        return body

    def to_record(self) -> dict[str, Any]:
        """The stored document (`_reserved` is never stored: only `default` is reserved)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "color": self.color,
            "initials": self.initials,
            "imageUrl": self.image_url,
            "disabledFeatures": list(self.disabled_features),
            "solution": self.solution,
            "deleted": False,
        }

    def with_id(self, space_id: str) -> Space:
        return replace(self, id=space_id, reserved=space_id == DEFAULT_SPACE)


def space_from_record(source: Mapping[str, Any]) -> Space:
    solution = source.get("solution")
    return Space(
        id=source["id"],
        name=source.get("name") or "",
        description=source.get("description"),
        color=source.get("color"),
        initials=source.get("initials"),
        image_url=source.get("imageUrl"),
        disabled_features=tuple(source.get("disabledFeatures") or ()),
        solution=solution if solution in SOLUTIONS else None,
        reserved=source["id"] == DEFAULT_SPACE,
    )


def default_space() -> Space:
    """`default` as Kibana creates it; it exists whether or not it has a record."""
    return Space(
        id=DEFAULT_SPACE,
        name=DEFAULT_NAME,
        description=DEFAULT_DESCRIPTION,
        color=DEFAULT_COLOR,
        reserved=True,
    )


def implicit_space(space_id: str) -> Space:
    """A space known only by its alerts alias (a status change, or Kibana on a shared cluster)."""
    return Space(id=space_id, name=space_id)


def tombstone(space_id: str, deleted_at: str) -> dict[str, Any]:
    return {"id": space_id, "deleted": True, "deleted_at": deleted_at}


SPACES_MAPPING = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "name": {"type": "keyword"},
        "deleted": {"type": "boolean"},
        "updated_at": {"type": "date"},
        "deleted_at": {"type": "date"},
    },
}

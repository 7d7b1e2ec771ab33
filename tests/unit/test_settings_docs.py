"""docs/configuration.md must list every setting exactly as the code defines it."""

from __future__ import annotations

from pathlib import Path

from alertstatus.settings import Settings, settings_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_page_is_the_generated_table() -> None:
    text = DOC.read_text()
    documented = text.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->")[0]
    assert documented == settings_table(), "run: alertstatus settings, and paste into the page"


def test_every_setting_says_what_it_is_for() -> None:
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert missing == []

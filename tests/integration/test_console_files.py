"""The console's files under /app: an allow-list, same-origin only, nothing else served."""

from __future__ import annotations

import re

import pytest

from alertstatus.api.console import CONSOLE_DIR, CONSOLE_FILES


@pytest.fixture
def anonymous(make_client):
    return make_client(authorization=None)  # the page itself needs no credential


def test_the_page_and_its_files_are_served_with_a_strict_policy(anonymous) -> None:
    page = anonymous.get("/app/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"

    referenced = re.findall(r'(?:src|href)="/app/([^"]+)"', page.text)
    assert "vendor/chart.umd.min.js" in referenced and "js/main.js" in referenced
    for name in referenced:
        answer = anonymous.get(f"/app/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-security-policy"] == policy


def test_every_module_a_module_imports_is_served(anonymous) -> None:
    for script in sorted((CONSOLE_DIR / "js").glob("*.js")):
        for imported in re.findall(r'from "\./([^"]+)"', script.read_text()):
            assert f"js/{imported}" in CONSOLE_FILES, f"{script.name} imports {imported}"
            answer = anonymous.get(f"/app/js/{imported}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/javascript")


def test_app_without_slash_leads_to_the_page(anonymous) -> None:
    answer = anonymous.get("/app", follow_redirects=False)
    assert answer.status_code in (307, 308)
    assert answer.headers["location"].endswith("/app/")


@pytest.mark.parametrize(
    "path",
    [
        "/app/package.json",
        "/app/package-lock.json",
        "/app/node_modules/chart.js/package.json",
        "/app/js/../../api/console.py",
        "/app/%2e%2e/%2e%2e/pyproject.toml",
        "/app/index.html.bak",
        "/app/vendor/chart.js",
    ],
)
def test_nothing_outside_the_allow_list_is_served(anonymous, path: str) -> None:
    answer = anonymous.get(path)
    assert answer.status_code == 404
    assert "[project]" not in answer.text and '"dependencies"' not in answer.text


def test_only_reads(anonymous) -> None:
    assert anonymous.post("/app/").status_code == 405
    assert anonymous.put("/app/js/main.js", content=b"x").status_code == 405

"""The analyst console in headless Chromium against the served service and the real node: sign
in, preview a time range (counts equal Elasticsearch's), close it with a reason and watch the
progress reach 100%, cancel a slow change, read an alert's history, a viewer who cannot act,
sign out (docs/console.md)."""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright import sync_api
from playwright.sync_api import Page, Route, expect

from alertstatus.engine.indices import alerts_alias
from tests.browser.conftest import BASIC_PASSWORD, BASIC_USER, sign_in, snap
from tests.conftest import status_path
from tests.serving import served

pytestmark = pytest.mark.browser

STATUS = "kibana.alert.workflow_status"
REASON = "kibana.alert.workflow_reason"
# What "Close all matching" says when no preview holds the filters' query (docs/console.md).
NOTHING_TO_ACT_ON = "Nothing to act on until the preview shows the count for these filters."


def es_count(es: Any, space_id: str, *filters: dict[str, Any]) -> int:
    body = {"query": {"bool": {"filter": list(filters)}}}
    return es.call("POST", f"/{alerts_alias(space_id)}/_count", body)["count"]


def window_of(page: Page) -> dict[str, Any]:
    """The absolute window the console resolved, from the filters it shows (local time)."""
    return {
        "range": {
            "@timestamp": {
                "gte": page.evaluate(
                    "new Date(document.getElementById('from').value).toISOString()"
                ),
                "lte": page.evaluate("new Date(document.getElementById('to').value).toISOString()"),
            }
        }
    }


def shown_count(page: Page) -> int:
    expect(page.locator("#count")).to_have_attribute("data-value", re.compile(r"^\d+$"))
    return int(page.locator("#count").get_attribute("data-value") or "-1")


def wait_until_held(page: Page, held: list[Route]) -> None:
    """Until a route handler has held a request (handlers run while the page is waited on)."""
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the page sent no request to hold within 10 s")


def test_sign_in_and_preview_a_time_range_counts_equal_elasticsearch(
    page: Page, console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(300, days=6)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}&range=7d")

    expect(page.locator("#space")).to_have_value(space_id)
    assert shown_count(page) == 300 == es_count(es, space_id, window_of(page))
    assert page.locator("#zone").inner_text() == "Europe/Paris"  # the browser's zone, shown

    # Top rules: the names and counts of Elasticsearch's own terms aggregation.
    top_rules = es.call(
        "POST",
        f"/{alerts_alias(space_id)}/_search",
        {"size": 0, "aggs": {"r": {"terms": {"field": "kibana.alert.rule.name", "size": 5}}}},
    )["aggregations"]["r"]["buckets"]
    shown = page.locator("#top-rules li").all_inner_texts()
    assert [re.sub(r"\s+", " ", text) for text in shown] == [
        f"{bucket['key']} {bucket['doc_count']:,}" for bucket in top_rules
    ]
    # The histogram's accessible summary adds up to the count, per status.
    summary = page.locator("#histogram-summary").inner_text()
    assert sum(int(n) for n in re.findall(r"(?:open|acknowledged|closed): (\d+)", summary)) == 300
    assert page.locator("#histogram").bounding_box()["height"] > 100  # drawn by Chart.js
    expect(page.locator("#alerts-body tr")).to_have_count(25)
    snap(page, "preview")
    page.get_by_label("Stack by").select_option("severity")  # the bars by severity instead
    expect(page.locator("#histogram-summary")).to_contain_text("high:")
    summary = page.locator("#histogram-summary").inner_text()
    assert sum(int(n) for n in re.findall(r"(?:low|medium|high|critical): (\d+)", summary)) == 300
    assert parse_qs(urlparse(page.url).query)["stack"] == ["severity"]

    # A top host is a filter: one click narrows the count, the table and the URL.
    host = page.locator("#top-hosts li button").first.inner_text()
    page.locator("#top-hosts li button").first.click()
    expect(page.locator("#host")).to_have_value(host)
    expected = es_count(es, space_id, window_of(page), {"term": {"host.name": host}})
    expect(page.locator("#count")).to_have_attribute("data-value", str(expected))
    assert parse_qs(urlparse(page.url).query)["host"] == [host]
    hosts = page.locator("#alerts-body tr td:nth-child(6)")
    expect(hosts.first).to_have_text(host)
    assert set(hosts.all_inner_texts()) == {host}

    # The URL holds the view: opened fresh in a new page it shows the same filter and count.
    shared = page.context.new_page()
    shared.goto(page.url)
    expect(shared.locator("#host")).to_have_value(host)
    expect(shared.locator("#count")).to_have_attribute("data-value", str(expected))


def test_the_kql_bar_narrows_like_elasticsearch_and_says_what_is_wrong(
    page: Page, console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(200, days=3)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}")
    assert shown_count(page) == 200

    kql = "kibana.alert.severity: (high or critical) and not host.name: srv-*"
    page.get_by_label("KQL").fill(kql)
    page.get_by_label("KQL").press("Enter")
    expected = es_count(
        es,
        space_id,
        window_of(page),
        {"terms": {"kibana.alert.severity": ["high", "critical"]}},
        {"bool": {"must_not": {"prefix": {"host.name": "srv-"}}}},
    )
    assert 0 < expected < 200
    expect(page.locator("#count")).to_have_attribute("data-value", str(expected))
    assert parse_qs(urlparse(page.url).query)["kql"] == [kql]

    page.get_by_label("KQL").fill("kibana.space_ids: other")  # not a field a caller may name
    page.get_by_role("button", name="Apply").click()
    error = page.get_by_role("alert")
    expect(error).to_be_visible()
    assert "kibana.space_ids" in error.inner_text()
    assert "Traceback" not in error.inner_text() and "{" not in error.inner_text()
    # The count on the screen is the last good query's; Close would not use it for these filters.
    page.get_by_role("button", name="Close all matching…").click()
    expect(error).to_have_text(NOTHING_TO_ACT_ON)
    expect(page.locator("#confirm")).to_be_hidden()


def test_a_late_answer_for_an_earlier_range_never_replaces_the_newer_one(
    page: Page, console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(90, days=3)
    held: list[Route] = []

    def hold_the_first_summary(route: Route) -> None:
        if not held and "over_time" in (route.request.post_data or ""):
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/detection_engine/signals/search", hold_the_first_summary)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}&range=7d")
    wait_until_held(page, held)  # the 7-day preview is waiting for its summary
    page.get_by_role("button", name="Close all matching…").click()  # no count shown: no query
    expect(page.locator("#error")).to_have_text(NOTHING_TO_ACT_ON)
    expect(page.locator("#confirm")).to_be_hidden()

    page.get_by_label("Time range").select_option("24h")
    last_day = es_count(es, space_id, window_of(page))
    assert 0 < last_day < 90
    expect(page.locator("#count")).to_have_attribute("data-value", str(last_day))
    expect(page.locator("#alerts-body tr")).to_have_count(min(last_day, 25))

    with contextlib.suppress(sync_api.Error):  # the page has dropped it: nothing to send
        held[0].continue_()
    page.wait_for_load_state("networkidle")
    assert page.locator("#count").get_attribute("data-value") == str(last_day)
    page.get_by_role("button", name="Close all matching…").click()
    expect(page.locator("#confirm-title")).to_have_text(f"Close {last_day} alerts?")
    # The query Close would send, in the dialog's folded "Query" (so not rendered text).
    confirmed = json.loads(page.locator("#confirm-query").text_content() or "")
    bounds = confirmed["bool"]["filter"][0]["range"]["@timestamp"]
    span = datetime.fromisoformat(bounds["lte"]) - datetime.fromisoformat(bounds["gte"])
    assert span == timedelta(hours=24)
    page.locator("#confirm-cancel").click()


def test_sort_and_page_the_table(
    page: Page, console_url: str, admin_authorization: str, console_space
) -> None:
    space_id = console_space(60, days=2)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}&range=7d")
    expect(page.locator("#alerts-body tr")).to_have_count(25)
    expect(page.locator("#page-info")).to_have_text("Page 1 of 3")

    page.get_by_role("button", name="Rule", exact=True).click()  # rule name, descending
    expect(page.locator("th:has(button[data-field='kibana.alert.rule.name'])")).to_have_attribute(
        "aria-sort", "descending"
    )
    rules = page.locator("#alerts-body tr td:nth-child(4)").all_inner_texts()
    assert rules == sorted(rules, reverse=True)

    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#page-info")).to_have_text("Page 3 of 3")
    expect(page.locator("#alerts-body tr")).to_have_count(10)


def test_close_a_time_range_with_a_reason_and_watch_it_reach_100(
    page: Page, console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(1200, days=6)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}&range=7d&status=open")
    matching = shown_count(page)
    assert matching == es_count(es, space_id, window_of(page), {"term": {STATUS: "open"}})

    page.get_by_role("button", name="Close all matching…").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text(f"Close {matching:,} alerts?")
    page.locator("#confirm summary").click()
    assert '"kibana.alert.workflow_status": "open"' in page.locator("#confirm-query").inner_text()
    page.get_by_label("Reason").select_option("false_positive")
    page.get_by_label("Note (optional)").fill("last week's scanner noise")
    snap(page, "confirm")
    page.locator("#confirm-ok").click()

    expect(page.locator("#progress-text")).to_have_text(
        f"Done: {matching:,} of {matching:,} (100%).", timeout=60_000
    )
    expect(page.locator("#progress-bar")).to_have_attribute("value", "100")
    assert page.locator("#result-updated").inner_text() == f"{matching:,}"
    assert page.locator("#result-failures").inner_text() == "0"
    snap(page, "progress-done")
    page.get_by_role("button", name="Close", exact=True).click()

    closed = es_count(
        es, space_id, {"term": {STATUS: "closed"}}, {"term": {REASON: "false_positive"}}
    )
    assert closed == matching == 1200
    expect(page.locator("#count")).to_have_attribute("data-value", "0")  # none open any more

    # The alert's drawer: its fields and the history entry of this change, with the note.
    page.goto(f"{console_url}/app/?space={space_id}&range=7d")
    page.locator("#alerts-body tr").first.get_by_role("button", name=re.compile("history")).click()
    history = page.locator("#drawer-history li").last
    expect(history).to_contain_text("open → closed (false positive)")
    expect(history).to_contain_text("last week's scanner noise")
    expect(page.locator("#drawer-fields")).to_contain_text("kibana.alert.rule.name")
    snap(page, "history")
    page.keyboard.press("Escape")
    expect(page.locator("#drawer")).not_to_be_visible()

    # Recent changes: this change first, with who, the API, what and how many.
    page.get_by_role("link", name="Recent changes").click()
    first = page.locator("#changes-body tr").first
    expect(first).to_contain_text("test admin")
    cells = first.locator("td").all_inner_texts()
    assert cells[2:] == [
        "Elastic Security",
        "closed (false positive) by a query",
        f"{matching:,} updated of {matching:,}",
        "last week's scanner noise",
    ]
    assert parse_qs(urlparse(page.url).query)["view"] == ["changes"]
    snap(page, "changes")


def test_older_changes_page_through_the_records(
    page: Page, console_url: str, admin_authorization: str, console_space
) -> None:
    space_id = console_space(5, days=1)
    for index in range(27):  # 27 change records, newest first: a page of 25, then 2 older
        changed = httpx.post(
            console_url + status_path(space_id),
            json={"status": "closed" if index % 2 == 0 else "open", "query": {"match_all": {}}},
            headers={"authorization": admin_authorization, "kbn-xsrf": "tests"},
            timeout=30,
        )
        assert changed.status_code == 200, changed.text
    sign_in(page, console_url, admin_authorization, f"?space={space_id}&view=changes")
    rows = page.locator("#changes-body tr")
    expect(rows).to_have_count(25)
    expect(rows.first.locator("td").nth(3)).to_have_text("closed by a query")  # the 27th
    page.get_by_role("button", name="Older changes").click()
    expect(rows).to_have_count(27)
    expect(rows.last.locator("td").nth(3)).to_have_text("closed by a query")  # the first
    expect(rows.nth(25).locator("td").nth(3)).to_have_text("open by a query")
    expect(page.get_by_role("button", name="Older changes")).to_be_hidden()


@pytest.fixture(scope="module")
def throttled_console_url(es_url: str) -> Iterator[str]:
    """A service whose changes crawl (1 alert/s): a change is still running when it is cancelled."""
    with served(
        es_url, {"ALERTSTATUS_LOG_FORMAT": "text", "ALERTSTATUS_UPDATE_REQUESTS_PER_SECOND": "1"}
    ) as (url, _):
        yield url


def test_cancel_a_slow_change(
    page: Page, throttled_console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(1500, days=3)
    sign_in(page, throttled_console_url, admin_authorization, f"?space={space_id}")
    assert shown_count(page) == 1500

    page.get_by_role("button", name="Acknowledge all matching…").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#progress-text")).to_contain_text("of 1,500", timeout=30_000)
    snap(page, "progress-running")
    page.get_by_role("button", name="Cancel", exact=True).click()

    expect(page.locator("#progress-text")).to_contain_text("Cancelled after", timeout=60_000)
    still_open = es_count(es, space_id, {"term": {STATUS: "open"}})
    assert still_open > 0  # stopped before the end
    assert es_count(es, space_id, {"term": {STATUS: "acknowledged"}}) == 1500 - still_open


def test_a_viewer_sees_everything_and_cannot_act(
    page: Page, console_url: str, make_key, console_space
) -> None:
    space_id = console_space(30, days=2)
    sign_in(
        page, console_url, make_key("viewer", None, name="console viewer"), f"?space={space_id}"
    )
    assert shown_count(page) == 30
    expect(page.locator("#whoami")).to_contain_text("(viewer)")
    why = "Your role (viewer) can look but not change alerts."
    for name in ["Close all matching…", "Acknowledge all matching…", "Reopen all matching…"]:
        button = page.get_by_role("button", name=name)
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("title", why)
    page.locator("#alerts-body input.pick").first.check()
    expect(page.get_by_role("button", name="Close selected…")).to_be_disabled()
    expect(page.locator("#act-why")).to_have_text(why)
    snap(page, "viewer")


def test_change_selected_rows(
    page: Page, console_url: str, admin_authorization: str, console_space, es
) -> None:
    space_id = console_space(40, days=2)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}")
    rows = page.locator("#alerts-body tr")
    ids = [rows.nth(index).get_attribute("data-id") for index in range(3)]
    for index in range(3):
        rows.nth(index).locator("input.pick").check()
    expect(page.locator("#selected-count")).to_have_text("3 selected")
    page.get_by_role("button", name="Acknowledge selected…").click()
    expect(page.locator("#confirm-title")).to_have_text("Acknowledge 3 alerts?")
    page.locator("#confirm-ok").click()
    expect(page.locator("#progress-text")).to_have_text("Done: 3 of 3 (100%).")
    sources = es.sources(alerts_alias(space_id))
    assert {
        alert_id for alert_id, source in sources.items() if source[STATUS] == "acknowledged"
    } == set(ids)


def test_sign_out_ends_the_session(page: Page, console_url: str, admin_authorization: str) -> None:
    sign_in(page, console_url, admin_authorization)
    cookies = page.context.cookies()
    assert [cookie["name"] for cookie in cookies if cookie["httpOnly"]]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#error")).to_have_text("You are signed out.")

    page.reload()  # the cookie (deleted, and ended server-side) signs nobody in
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    old = {cookie["name"]: cookie["value"] for cookie in cookies}
    assert httpx.get(f"{console_url}/api/alertstatus/whoami", cookies=old).status_code == 401


def test_answers_that_arrive_after_sign_out_are_dropped(
    page: Page, console_url: str, admin_authorization: str
) -> None:
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route("**/api/detection_engine/signals/search", hold)
    sign_in(page, console_url, admin_authorization)
    wait_until_held(page, held)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#error")).to_have_text("You are signed out.")

    for route in held:  # the ended session's searches reach the service only now: 401s
        with contextlib.suppress(sync_api.Error):  # a request the page dropped has no route
            route.continue_()
    page.wait_for_load_state("networkidle")
    assert page.locator("#error").text_content() == "You are signed out."
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator("#alerts-view")).to_be_hidden()


def test_sign_in_as_a_basic_user(page: Page, console_url: str) -> None:
    page.goto(f"{console_url}/app/")
    page.get_by_label("User and password").check()
    page.locator("#sign-in").get_by_label("User", exact=True).fill(BASIC_USER)
    page.locator("#sign-in").get_by_label("Password", exact=True).fill(BASIC_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#whoami")).to_have_text(f"{BASIC_USER} (analyst)")
    expect(page.get_by_role("button", name="Close all matching…")).to_be_enabled()


def test_keyboard_sign_in_and_errors_in_plain_words(
    page: Page, console_url: str, admin_authorization: str
) -> None:
    page.goto(f"{console_url}/app/")
    expect(page.get_by_label("API key (encoded)")).to_be_focused()
    snap(page, "sign-in")
    page.keyboard.type("not-a-key")
    page.keyboard.press("Enter")
    error = page.get_by_role("alert")
    expect(error).to_contain_text("You are not signed in")
    assert "Traceback" not in error.inner_text()

    page.get_by_label("API key (encoded)").fill(admin_authorization.removeprefix("ApiKey "))
    page.keyboard.press("Enter")
    expect(page.locator("#whoami")).to_be_visible()
    page.get_by_label("Time range").select_option("custom")
    page.get_by_label("From", exact=True).fill("2030-01-02T00:00:00")
    page.get_by_label("To", exact=True).fill("2030-01-01T00:00:00")
    page.get_by_role("button", name="Apply").click()
    expect(error).to_have_text("From must be before To.")


def test_readable_in_a_narrow_window(
    page: Page, console_url: str, admin_authorization: str, console_space
) -> None:
    space_id = console_space(20, days=1)
    page.set_viewport_size({"width": 420, "height": 800})
    sign_in(page, console_url, admin_authorization, f"?space={space_id}")
    assert shown_count(page) == 20
    # Nothing but the table's own scroll box is wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    snap(page, "narrow")
    for name in ["Apply", "Close all matching…"]:
        box = page.get_by_role("button", name=name).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 420


def test_the_page_loads_nothing_from_elsewhere(
    page: Page, console_url: str, admin_authorization: str, console_space
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    space_id = console_space(5, days=1)
    sign_in(page, console_url, admin_authorization, f"?space={space_id}")
    assert shown_count(page) == 5
    assert requested and all(url.startswith(console_url) for url in requested)


def test_a_space_without_alerts_yet_shows_zero_not_an_error(
    page: Page, console_url: str, admin_authorization: str, es
) -> None:
    """A space whose alerts index is not there (the default space before its first alert, or
    an index deleted by hand): its search answers with no shards and no aggregations, which the
    preview must read as empty."""
    space_id = f"console-empty-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{console_url}/api/spaces/space",
        json={"id": space_id, "name": "No alerts yet"},
        headers={"authorization": admin_authorization, "kbn-xsrf": "tests"},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    es.call(
        "DELETE",
        f"/.internal.alerts-security.alerts-{space_id}-*",
        expand_wildcards="all",
    )
    assert es.http.head(f"/_alias/{alerts_alias(space_id)}").status_code == 404

    sign_in(page, console_url, admin_authorization, f"?space={space_id}")

    assert shown_count(page) == 0
    expect(page.locator("#error")).to_be_hidden()

"""Merging split `_update_by_query` responses into one body of the same shape."""

from __future__ import annotations

import pytest

from alertstatus.engine.merge import merge_update_by_query
from alertstatus.engine.service import chunked, with_ids


def answer(took: int, updated: int, noops: int, *, failures=(), timed_out=False, retries=(0, 0)):
    return {
        "took": took,
        "timed_out": timed_out,
        "total": updated + noops,
        "updated": updated,
        "deleted": 0,
        "batches": 1,
        "version_conflicts": 0,
        "noops": noops,
        "retries": {"bulk": retries[0], "search": retries[1]},
        "throttled_millis": 0,
        "requests_per_second": -1.0,
        "throttled_until_millis": 0,
        "failures": list(failures),
    }


def test_counts_took_and_retries_are_summed_failures_concatenated_timed_out_any() -> None:
    merged = merge_update_by_query(
        [
            answer(5, 10, 0, retries=(1, 0)),
            answer(7, 3, 7, failures=[{"id": "a"}], timed_out=True, retries=(0, 2)),
            answer(1, 0, 1, failures=[{"id": "b"}]),
        ]
    )
    assert list(merged) == list(answer(0, 0, 0))
    assert (merged["took"], merged["total"], merged["updated"], merged["noops"]) == (13, 21, 13, 8)
    assert merged["batches"] == 3
    assert merged["retries"] == {"bulk": 1, "search": 2}
    assert merged["failures"] == [{"id": "a"}, {"id": "b"}]
    assert merged["timed_out"] is True
    assert merged["requests_per_second"] == -1.0


def test_one_response_is_returned_as_it_is_and_none_is_an_error() -> None:
    single = answer(3, 1, 0)
    assert merge_update_by_query([single]) is single
    with pytest.raises(ValueError):
        merge_update_by_query([])


def test_ids_are_cut_into_chunks_and_put_into_the_same_body() -> None:
    assert chunked(tuple("abcdefg"), 3) == [["a", "b", "c"], ["d", "e", "f"], ["g"]]
    body = {
        "query": {"bool": {"filter": {"terms": {"_id": ["x"]}}, "must_not": {"term": {"f": 1}}}},
        "script": {"source": "s"},
    }
    narrowed = with_ids(body, ["a", "b"])
    assert narrowed["query"]["bool"] == {
        "filter": {"terms": {"_id": ["a", "b"]}},
        "must_not": {"term": {"f": 1}},
    }
    assert narrowed["script"] is body["script"]
    assert body["query"]["bool"]["filter"] == {"terms": {"_id": ["x"]}}

"""Batch writes: both ``summarizeErrors`` answers, idempotency keys and the body size limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from .accounting_api import Api, invoice, line, open_api


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api(max_body_bytes=20_000) as opened:
        yield opened


BAD = invoice(LineItems=[line(AccountCode="999")])


async def invoice_count(api: Api) -> int:
    return api.store.counts()[api.tenant]["invoices"]


async def test_unsummarised_batch_answers_200_with_a_status_per_element(api: Api) -> None:
    response = await api.put("Invoices", [invoice(), BAD, invoice()], summarize=False)
    statuses = [e["StatusAttributeString"] for e in response.json()["Invoices"]]
    assert (response.status_code, statuses) == (200, ["OK", "ERROR", "OK"])


async def test_unsummarised_batch_saves_the_good_elements(api: Api) -> None:
    before = await invoice_count(api)
    await api.put("Invoices", [invoice(), BAD, invoice()], summarize=False)
    assert await invoice_count(api) == before + 2


async def test_failed_element_keeps_what_was_sent_and_says_why(api: Api) -> None:
    response = await api.put("Invoices", [BAD], summarize=False)
    element = response.json()["Invoices"][0]
    assert (element["LineItems"], element["HasErrors"], len(element["ValidationErrors"])) == (
        BAD["LineItems"],
        True,
        1,
    )


async def test_summarised_batch_with_a_bad_element_is_a_validation_exception(api: Api) -> None:
    response = await api.put("Invoices", [invoice(), BAD])
    body = response.json()
    assert (response.status_code, body["ErrorNumber"], body["Type"], body["Message"]) == (
        400,
        10,
        "ValidationException",
        "A validation exception occurred",
    )


async def test_summarised_failure_lists_only_the_failed_elements(api: Api) -> None:
    response = await api.put("Invoices", [invoice(), BAD])
    elements = response.json()["Elements"]
    assert [e["LineItems"][0]["AccountCode"] for e in elements] == ["999"]


async def test_summarised_failure_still_saves_the_good_elements(api: Api) -> None:
    before = await invoice_count(api)
    await api.put("Invoices", [invoice(InvoiceNumber="GOOD-1"), BAD])
    found = (await api.get("/Invoices/GOOD-1")).status_code
    assert (await invoice_count(api), found) == (before + 1, 200)


async def test_summarised_batch_without_errors_is_200(api: Api) -> None:
    response = await api.put("Invoices", [invoice(), invoice()])
    assert [e["StatusAttributeString"] for e in response.json()["Invoices"]] == ["OK", "OK"]


async def test_duplicate_numbers_inside_one_batch_fail_the_second(api: Api) -> None:
    batch = [invoice(InvoiceNumber="DUP-1"), invoice(InvoiceNumber="DUP-1")]
    response = await api.put("Invoices", batch, summarize=False)
    assert [e["StatusAttributeString"] for e in response.json()["Invoices"]] == ["OK", "ERROR"]


async def test_bare_element_body_is_accepted(api: Api) -> None:
    response = await api.write("PUT", "/Invoices", invoice(), summarize=False)
    assert response.json()["Invoices"][0]["StatusAttributeString"] == "OK"


async def test_idempotent_replay_returns_the_first_answer(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "k-1"})
    first = await api.put("Invoices", [invoice()], summarize=False, headers=headers)
    again = await api.put("Invoices", [invoice()], summarize=False, headers=headers)
    assert again.content == first.content


async def test_idempotent_replay_creates_nothing_more(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "k-2"})
    await api.put("Invoices", [invoice()], headers=headers)
    before = await invoice_count(api)
    await api.put("Invoices", [invoice()], headers=headers)
    assert await invoice_count(api) == before


async def test_same_key_with_another_body_is_400(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "k-3"})
    await api.put("Invoices", [invoice()], headers=headers)
    response = await api.put("Invoices", [invoice(Reference="other")], headers=headers)
    assert (response.status_code, "different request" in response.json()["Message"]) == (400, True)


async def test_idempotency_key_expires_after_the_window(api: Api) -> None:
    headers = api.headers(**{"Idempotency-Key": "k-4"})
    await api.put("Invoices", [invoice()], headers=headers)
    api.world.clock.advance(api.world.config.idempotency_seconds + 1)
    response = await api.put("Invoices", [invoice(Reference="other")], headers=headers)
    assert response.status_code == 200


async def test_idempotency_key_longer_than_128_is_refused(api: Api) -> None:
    response = await api.put(
        "Invoices", [invoice()], headers=api.headers(**{"Idempotency-Key": "k" * 129})
    )
    assert response.status_code == 400


async def test_body_over_the_limit_is_413(api: Api) -> None:
    big = [invoice(Reference="x" * 1000) for _ in range(30)]
    before = await invoice_count(api)
    response = await api.put("Invoices", big)
    assert (response.status_code, await invoice_count(api)) == (413, before)


async def test_malformed_json_is_400(api: Api) -> None:
    response = await api.client.put(
        "/api.xro/2.0/Invoices", content=b"{not json", headers=api.headers()
    )
    assert (response.status_code, response.json()["Type"]) == (400, "PostDataInvalidException")


def _padded_batch(size: int) -> bytes:
    """A valid one-invoice batch padded with JSON whitespace to exactly ``size`` bytes."""
    body = json.dumps({"Invoices": [invoice()]}).encode()
    return body + b" " * (size - len(body))


@pytest.mark.parametrize(("size", "status"), [(3_500_000, 200), (3_500_001, 413)])
async def test_the_default_body_limit_is_3_5_mb(size: int, status: int) -> None:
    async with open_api() as api:
        response = await api.client.put(
            "/api.xro/2.0/Invoices", content=_padded_batch(size), headers=api.headers()
        )
        assert response.status_code == status


async def test_a_chunked_body_over_the_limit_is_413_too(api: Api) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        body = _padded_batch(20_001)
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    before = await invoice_count(api)
    response = await api.client.put(
        "/api.xro/2.0/Invoices", content=chunks(), headers=api.headers()
    )
    assert "content-length" not in response.request.headers
    assert (response.status_code, await invoice_count(api)) == (413, before)

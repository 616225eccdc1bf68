"""A schema-driven fuzz run: schemathesis generates requests from /openapi.json of a running server.

Every operation gets at most MAX_EXAMPLES generated requests and the whole
run at most TIME_BUDGET_SECONDS; each response must not be a 5xx and must
match the document (status code, content type, schema). Requests carry a
real user token or device token, chosen by the operation's security, so
they get past authentication and reach the rules.
"""

import asyncio
import time

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.gateway.rest import create_arcade, create_machine, sign_up

MAX_EXAMPLES = 20
TIME_BUDGET_SECONDS = 240.0
# Streams end with DEADLINE_EXCEEDED after this long, so a fuzzed watch
# returns a complete response (gRPC timeout syntax: 300 milliseconds).
STREAM_TIMEOUT = "300m"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.fuzz
async def test_fuzz_openapi_operations(api, http):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    document = (await http.get("/openapi.json")).json()
    base_url = str(http.base_url).rstrip("/")
    tokens = {"bearerAuth": owner.token, "deviceToken": machine.device_token}

    # The server runs on this event loop, so the blocking fuzz run goes to a thread.
    failures, skipped, calls = await asyncio.to_thread(_fuzz, document, base_url, tokens)
    assert failures == [], "\n\n".join(failures)
    assert skipped == [], f"the time budget ran out before: {skipped}"
    operation_count = sum(len(item) for item in document["paths"].values())
    assert calls >= 5 * operation_count


def _fuzz(document: dict, base_url: str, tokens: dict[str, str]) -> tuple[list[str], list[str], int]:
    schema = schemathesis.openapi.from_dict(document)
    deadline = time.monotonic() + TIME_BUDGET_SECONDS
    failures: list[str] = []
    skipped: list[str] = []
    calls = [0]
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            label = f"{operation.method.upper()} {operation.path}"
            if time.monotonic() > deadline:
                skipped.append(label)
                continue
            headers = _headers(operation.definition.raw, tokens)
            error = _fuzz_operation(operation, base_url, headers, session, calls)
            if error is not None:
                failures.append(f"{label}: {error}")
    return failures, skipped, calls[0]


def _headers(definition: dict, tokens: dict[str, str]) -> dict[str, str]:
    headers = {}
    for requirement in definition.get("security", []):
        token = next((tokens[name] for name in requirement if name in tokens), None)
        if token:
            headers["Authorization"] = f"Bearer {token}"
            break
    if "text/event-stream" in definition["responses"]["200"].get("content", {}):
        headers["Grpc-Timeout"] = STREAM_TIMEOUT
    return headers


def _fuzz_operation(operation, base_url: str, headers: dict[str, str], session, calls: list[int]) -> str | None:
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case):
        response = case.call(base_url=base_url, headers=headers, session=session, timeout=10)
        calls[0] += 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Exception as error:  # noqa: BLE001  # the failure text is the report
        return str(error)
    return None

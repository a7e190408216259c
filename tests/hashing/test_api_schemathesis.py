"""Schemathesis drives the native API from its own OpenAPI schema: valid and invalid requests, never a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from hashing.bank.partners import partner_create
from tests.hashing.bank_helpers import image_hashes, make_case, video_hashes

pytestmark = pytest.mark.django_db

# Bounded so the suite stays fast; each mode covers every operation.
EXAMPLES_PER_MODE = 60


@pytest.fixture
def wsgi_app():
    """The project's WSGI app, kept from closing the test's database connection after each request (as Django's
    own test client does), so requests run inside the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def schema_and_key(wsgi_app):
    make_case(files=[image_hashes(), video_hashes()])
    _partner, _key, raw_key = partner_create(
        name="Fuzzer", scopes=["fetch", "match", "feedback"], rate_limit_per_minute=100_000
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    return schema, raw_key


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_get_a_server_error(schema_and_key, mode):
    schema, raw_key = schema_and_key
    seen_statuses: set[int] = set()

    @given(case=schema.as_strategy(mode, headers={"Authorization": f"Bearer {raw_key}"}))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call()
        seen_statuses.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    run()
    assert seen_statuses, "schemathesis made no request"
    assert max(seen_statuses) < 500
    # Positive cases are answered, negative ones are refused with a validation error.
    assert (200 if mode == GenerationMode.POSITIVE else 422) in seen_statuses


def test_the_schema_is_valid_openapi_that_schemathesis_can_load(schema_and_key):
    schema, _raw_key = schema_and_key
    operations = [result.ok().label for result in schema.get_all_operations()]
    assert sorted(operations) == ["GET /api/v1/bank/{signal_type}", "POST /api/v1/feedback", "POST /api/v1/match"]

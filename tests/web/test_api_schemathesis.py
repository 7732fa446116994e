"""Schemathesis against the generated OpenAPI document, in process, with a coordinator's token.

Every operation is fuzzed with valid and with invalid data; every answer must match the
document (status codes, content types, bodies, no server errors) and requests without a token
must be refused.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from repaircafe.accounts.services import api_tokens
from tests.factories import NOW, make_item

EXAMPLES = 15


def test_api_conforms_to_its_openapi_document(app, session, world):
    make_item(session, world)
    bearer = api_tokens.create_token(session, name="fuzz", actor=world.actor("coordinator"),
                                     now=NOW)[1]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), database=None)
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers={"Authorization": f"Bearer {bearer}"})

            check()

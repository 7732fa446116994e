"""The spectree instance that validates API requests and generates the OpenAPI 3.1 document."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

from flask import Response, current_app
from spectree import Response as Responses
from spectree import SecurityScheme, SpecTree
from spectree.models import SecureType, SecuritySchemeData

from repaircafe.api.views.models import Problem

PROBLEM_JSON = "application/problem+json"
# Every route can refuse a request that no text here may hold (a NUL character) with 400.
ERRORS = ("HTTP_400", "HTTP_401", "HTTP_403", "HTTP_404", "HTTP_409", "HTTP_422", "HTTP_429")


def problem(status: int, title: str, detail: str = "", type_: str = "about:blank") -> Response:
    """An RFC 9457 problem details response."""
    body = Problem(type=type_, title=title, status=status, detail=detail).model_dump()
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def _validation_problem(req: Any, resp: Any, error: Exception | None, _instance: Any,
                        adapter: Any) -> None:
    """Turn spectree's list of validation errors into a problem details body."""
    if error is None or resp is None:
        return
    details = []
    for item in adapter.validation_errors(error):
        where = ".".join(str(p) for p in item.get("loc", ()))
        details.append(f"{where}: {item.get('msg', '')}" if where else item.get("msg", ""))
    body = Problem(title="Invalid request", status=422, detail="; ".join(details)[:2000])
    resp.set_data(json.dumps(body.model_dump()))
    resp.status_code = 422
    resp.mimetype = PROBLEM_JSON


api_spec = SpecTree(
    "flask",
    mode="strict",
    title="repaircafe API",
    version="1",
    description="Objects with their history, café sessions, parts and totals; scans, intake, "
                "corrections of intake details (PATCH /items/{item_id}, recorded as correction "
                "entries in the history) and repair attempts. Authenticate with a token created in the app "
                "(Authorization: Bearer …); writes need an Idempotency-Key header. Errors are "
                "RFC 9457 problem details.",
    path="api/v1/spectree",
    page_templates={},
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type=SecureType.HTTP, scheme="bearer", description="A token created in the app."))],
    security={"bearer": []},
    before=_validation_problem,
    validation_error_status=422,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


def responses(*errors: str, **ok: Any) -> Responses:
    """Documented answers: the success model(s) and every problem the route can give."""
    return Responses(**ok, **{code: Problem for code in (*ERRORS, *errors)})


@cache
def openapi_document() -> dict[str, Any]:
    """The generated document, with errors declared as problem+json and ids as digits."""
    document = copy.deepcopy(api_spec.spec)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if int(status) >= 400 and "application/json" in content:
                    answer["content"] = {PROBLEM_JSON: content["application/json"]}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"].endswith("_id"):
                    parameter["schema"] = {"type": "string", "pattern": "^[0-9]{1,9}$"}
    return document

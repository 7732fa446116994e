"""The OpenAPI document and a readable page generated from it, served by the app itself."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template
from flask.typing import ResponseReturnValue

from repaircafe.api.views import bp
from repaircafe.api.views.spec import openapi_document


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return openapi_document()["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _schema_type(schema: dict[str, Any] | None) -> str:
    """A short reading of a JSON schema: `string`, `integer | null`, `array of Part`."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " | ".join(_schema_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_schema_type(schema.get('items'))}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return kind


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document."""
    return jsonify(openapi_document())


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    """Every operation with its parameters, bodies and answers."""
    return render_template("api/docs.html", doc=openapi_document(), resolve=_resolve,
                           schema_type=_schema_type)

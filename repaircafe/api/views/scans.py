"""Scans: what a label code points at, logged like a scan at the café."""

from __future__ import annotations

from typing import Any

from repaircafe.api.services import api_access
from repaircafe.api.views import api_actor, bp
from repaircafe.api.views.models import IdempotencyHeaders, ScanIn, ScanOut
from repaircafe.api.views.spec import api_spec, responses
from repaircafe.db import get_session
from repaircafe.models import utc_now


@bp.post("/scans")
@api_spec.validate(resp=responses(HTTP_200=ScanOut), operation_id="scan", tags=["scans"])
def scan(json: ScanIn, headers: IdempotencyHeaders) -> Any:
    """Resolve a scanned label URL or code and log the scan (unknown codes and typos too)."""
    found = api_access.scan(get_session(), raw=json.code, actor=api_actor(), now=utc_now(),
                            key=headers.idempotency_key)
    return ScanOut(result=found.result, code=found.code, message=found.message,  # type: ignore[arg-type]
                   item_id=found.item_id, part_id=found.part_id,
                   bin_id=found.bin_id).model_dump(mode="json")

"""Proof of delivery: the organisation's requirements, an order's proof files for
operators, and the recipient's view of their own delivery's photo."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from doorstep.api.deps import Manager, Reader, SessionDep
from doorstep.api.track_limits import TrackLimited
from doorstep.schemas.proofs import ProofPublic, ProofSettings, ProofSettingsPublic
from doorstep.services import proof_rules, proofs
from doorstep.services import track as track_svc
from doorstep.wiring import Runtime

router = APIRouter(tags=["proof of delivery"])


@router.get("/organisation/proof-settings", response_model=ProofSettingsPublic)
def get_settings(session: SessionDep, who: Reader) -> Any:
    """What a delivery must carry: signature, photo, the recipient's code, a name."""
    return proof_rules.settings(session, who)


@router.put("/organisation/proof-settings", response_model=ProofSettingsPublic)
def put_settings(body: ProofSettings, session: SessionDep, who: Manager) -> Any:
    return proof_rules.set_settings(session, who, body)


@router.get("/orders/{order_id}/proofs", response_model=list[ProofPublic])
def order_proofs(order_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    return proofs.of_order(session, who, order_id)


def _file(data: bytes, content_type: str, sha256: str) -> Response:
    return Response(
        data,
        media_type=content_type,
        headers={
            "ETag": f'"{sha256}"',
            "Cache-Control": "private, max-age=86400, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/proofs/{proof_id}/file", response_class=Response)
def proof_file(proof_id: uuid.UUID, request: Request, session: SessionDep, who: Reader) -> Any:
    """The stored file (its SHA-256 checked on the way out, and sent as the ETag)."""
    runtime: Runtime = request.app.state.runtime
    return _file(*proofs.file_for_staff(session, runtime.blobs, who, proof_id))


@router.get("/track/{tracking_code}/proof/{proof_id}", response_class=Response)
def recipient_proof(
    _: TrackLimited,
    tracking_code: str,
    proof_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    check: Annotated[str | None, Query(max_length=40)] = None,
) -> Any:
    """The recipient's own delivery photo or signature, once delivered."""
    runtime: Runtime = request.app.state.runtime
    order = track_svc.open_code(session, tracking_code, check).order
    return _file(*proofs.file_for_recipient(session, runtime.blobs, order, proof_id))

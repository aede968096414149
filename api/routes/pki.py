"""The demo CA's published CRLs, public like any CA's (certificates name this address as their
CRL distribution point): GET /pki/<name>.crl."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ..deps import get_system

router = APIRouter(prefix="/pki", tags=["pki"])


@router.get("/{name}.crl", summary="A CRL published by the demo CA (DER, public)",
            response_class=Response, responses={200: {"content": {"application/pkix-crl": {}}}, 404: {}})
def crl(name: Annotated[str, Path(max_length=100)], request: Request) -> Response:
    return Response(get_system(request).keystore.crl(name), media_type="application/pkix-crl",
                    headers={"Cache-Control": "public, max-age=300"})

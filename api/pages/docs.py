"""/docs: the JSON API's reference (Swagger UI from local files, see api/frontend/src/docs.js),
in the app's own page. FastAPI's default /docs and /redoc load Swagger UI from a CDN with an inline
script, which the app's CSP refuses, so create_app turns those off."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ..errors import visitor
from .render import page

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def api_reference(request: Request):
    # Public like /openapi.json; a signed-in visitor keeps their menu.
    return page(request, "docs.html", {"who": visitor(request), "spec": request.app.openapi_url})

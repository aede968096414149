"""The FastAPI application factory."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from documents.system import System, build_system
from engine import outbox
from tasks import actors
from tasks import broker as brokers
from tasks import embedded

from . import capacity, errors
from .clock_binding import ClockBinding
from .deps import CsrfRefused, LoginRequired
from .pages import account, admin, casework, diagrams, docs, drafts, incoming_new, instances, my_tasks, reassignments, steering
from .pages import form_stash, incoming_corrections, informed
from .pages import incidents as incident_pages
from .pages import migrations as migration_pages
from .pages import incoming as incoming_pages
from .pages.routes import router as pages_router
from .pages import admin_deadlines
from .pages import dashboard as dashboard_pages
from .pages import notifications as notification_pages
from .routes import dashboard as dashboard_routes
from .routes import deadline_policy
from .routes import notifications as notification_routes
from .pages import outgoing_tasks  # noqa: F401  (registers the outgoing steps' task panel)
from .pages import outgoing_list
from .routes import outgoing_register
from .pages import incoming_recalls, outgoing_recalls
from .routes import outgoing_recalls as outgoing_recall_routes
from .pages import outgoing_issuing as outgoing_issuing_pages
from .routes import abbreviations, outgoing_issuing
from .pages import outgoing_signing as outgoing_signing_pages
from .routes import outgoing_signing, pki
from .pages import outgoing_tracking as outgoing_tracking_pages
from .routes import outgoing_tracking
from .routes import (agency_settings, auth, calendar, exchange, health, incidents, incoming, incoming_corrections as
                     incoming_correction_routes, incoming_informed, incoming_work, migrations, outgoing, processes, tasks)

DESCRIPTION = """Hệ thống quản lý văn bản và điều hành (QLVBĐH) — JSON API.

Authenticate with `POST /api/auth/token`, then send `Authorization: Bearer <token>`.
Errors are `{"error": {"status", "message", "errors"?}}`; times are ISO 8601 in Asia/Ho_Chi_Minh."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Everything from this origin only, no inline script or style in the HTML. What the bundled
    # libraries need was checked page by page (tests/browser/test_everywhere.py fails on any
    # refusal): data: images (Swagger UI's and bpmn-js's icons); pdf.js's module worker is a
    # file of ours (worker-src, said outright); bpmn-js, tom-select and flatpickr set styles
    # through the CSSOM (element.style), which style-src does not govern, so no 'unsafe-inline'.
    # No plugins, no <base> rewriting, forms post only here, never framed.
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; worker-src 'self'; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
}


def create_app(system: System | None = None, *, start_worker: bool = True) -> FastAPI:
    """Build the app. With no REDIS_URL the broker is in memory and, when ``start_worker``,
    a worker thread and the scheduler run inside this process (the embedded default)."""
    system = system or build_system()
    broker = brokers.make_broker(system.settings)
    actors.bind(broker)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        capacity.install(app, system.settings.db_pool_size, system.settings.db_pool_timeout)
        outbox.on_commit(actors.wake_relay)
        worker = stop = None
        if start_worker and brokers.is_embedded(broker):
            worker, stop = embedded.start(broker, system, system.settings.timer_sweep_seconds)
        try:
            yield
        finally:
            outbox.clear_hooks()
            if stop is not None:
                stop.set()
            if worker is not None:
                worker.stop()

    # FastAPI's own /docs and /redoc load Swagger UI from a CDN with an inline script, which the
    # CSP refuses: /docs is api/pages/docs.py, from local files.
    app = FastAPI(title="QLVBĐH", version="0.1.0", description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None)
    app.state.system = system
    app.state.broker = broker
    app.add_middleware(ClockBinding, clock=system.runtime.clock)
    errors.install(app, SECURITY_HEADERS)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired):
        return await form_stash.to_login(request)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused):
        return await errors.html_error(request, 403, message_key="error.csrf")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # The outgoing list and register before the outgoing documents' "/{id}" routes (api and pages).
    for router in (outgoing_register.router, outgoing_list.router):
        app.include_router(router)
    # Recall, update, replace: the API (/api/outgoing/{id}/recall, /api/incoming/{id}/recall, /api/recall-requests)
    # and the pages (/outgoing/{id}/recall, /incoming/recalls).
    for router in (outgoing_recall_routes.router, incoming_recalls.router, outgoing_recalls.router):
        app.include_router(router)
    # The issue: /api/outgoing/{id}/issue, the page's /outgoing/{id}/issue, the abbreviations' API.
    for router in (outgoing_issuing.router, outgoing_issuing_pages.router, abbreviations.router):
        app.include_router(router)
    # The person's signature: /api/outgoing/{id}/sign, the page's /outgoing/{id}/sign and its preview; public CRLs.
    for router in (outgoing_signing.router, outgoing_signing_pages.router, pki.router):
        app.include_router(router)
    # Tracking: /api/outgoing/{id}/recipients, the paper, interchange and internal lists; the pages
    # /outgoing/paper, /outgoing/internal and the recipients panel of /outgoing/{id}.
    for router in (outgoing_tracking.router, outgoing_tracking_pages.router):
        app.include_router(router)
    # Deadlines that bite (issue 11): the policy, notifications and urges, the dashboard.
    for router in (deadline_policy.router, admin_deadlines.router, notification_routes.router,
                   notification_pages.router, dashboard_routes.router, dashboard_pages.router):
        app.include_router(router)
    # /api/incoming/informed before /api/incoming/{document_id}: the first route that matches answers.
    for router in (health.router, auth.router, processes.router, tasks.router, incidents.router, incoming_work.router,
                   incoming_informed.router, incoming.router, outgoing.router, exchange.router, pages_router, my_tasks.router, incoming_new.router, incoming_pages.router,
                   casework.router, steering.router, reassignments.router, drafts.router, incident_pages.router,
                   migrations.router, migration_pages.router, diagrams.router, instances.router, admin.router,
                   account.router, docs.router, incoming_correction_routes.router,
                   calendar.router, agency_settings.router, incoming_corrections.router, informed.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).resolve().parent / "static")), name="static")
    return app

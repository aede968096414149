"""The web layer: FastAPI, thin routers (JSON under /api, pages elsewhere), auth, templates."""

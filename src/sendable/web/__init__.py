"""The web app: server-rendered pages over `Service`, served by `sendable serve` at `/`.

`mount(app)` adds the pages, the static files and the browser 404 page to the
API's app; everything else (sessions, the live stream, `why`) is the API's.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sendable.web import console, groups, lab, live, pages, people
from sendable.web.errors import install_not_found
from sendable.web.render import HERE


def mount(app: FastAPI) -> None:
    app.include_router(live.router)  # page scripts: stream tickets, the composer's why
    app.include_router(people.router)  # before pages: /people/settings is not a handle
    app.include_router(pages.router)
    app.include_router(groups.router)
    app.include_router(console.router)
    app.include_router(lab.router)  # the policy lab: /mod/lab
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_not_found(app)

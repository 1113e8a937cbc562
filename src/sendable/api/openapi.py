"""/openapi.json as the server really answers, and /docs served without a CDN.

FastAPI describes each route's own answer (its `response_model`, its `responses=`).
`install` adds what every route shares, from what the route depends on:
- a route that needs a session (`Depends(current)`): 401 and the bearer scheme;
- a moderator's route (`Depends(moderator)`): 403 as well;
- a route that takes input: 422, in our error envelope rather than FastAPI's default
  (which the server never sends); with a body, 400 (not JSON) and 413 too.
Swagger UI's and ReDoc's files come from the `fastapi-offline` package, so /docs and
/redoc work on a machine with no internet access.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from sendable.api.auth import current, moderator
from sendable.api.schemas import ErrorReply, errors

DOCS_ASSETS = "/docs-assets"
_DEFAULT_422 = ("HTTPValidationError", "ValidationError")


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def api_routes(app: FastAPI) -> Iterator[Any]:
    """The app's documented routes, as they are served (prefixes of included routers
    applied: FastAPI 0.140 and later keep included routers whole)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    for route in (iterate(app.routes) if iterate else app.routes):
        if (isinstance(getattr(route, "original_route", route), APIRoute)
                and route.include_in_schema):
            yield route


def shared_errors(route: APIRoute) -> dict[int, dict[str, Any]]:
    """The errors a route gives whatever it does, from what it depends on."""
    calls = set(_calls(route.dependant))
    statuses = []
    if current in calls or moderator in calls:
        statuses.append(401)
    if moderator in calls:
        statuses.append(403)
    if route.body_field is not None:
        statuses += [400, 413]  # not JSON; too large
    d = route.dependant
    if route.body_field is not None or d.path_params or d.query_params or d.header_params:
        statuses.append(422)
    return errors(*statuses)


def _envelope(spec: dict[str, Any], route: APIRoute) -> None:
    ref = {"$ref": "#/components/schemas/ErrorReply"}
    for method in route.methods:
        operation = spec["paths"][route.path_format].get(method.lower())
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        for status, entry in shared_errors(route).items():
            key = str(status)
            if key not in responses or status == 422:  # FastAPI's 422 is not what we send
                responses[key] = {"description": entry["description"],
                                  "content": {"application/json": {"schema": ref}}}


def install(app: FastAPI) -> None:
    """Complete /openapi.json (above) and serve /docs and /redoc from local files."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            assert ErrorReply.__name__ in schemas, "some route declares errors()"
            for route in api_routes(app):
                _envelope(spec, route)
            for name in _DEFAULT_422:
                schemas.pop(name, None)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")),
              name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} API",
            swagger_js_url=f"{root}{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True})

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} API",
            redoc_js_url=f"{root}{DOCS_ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_ASSETS}/favicon.png", with_google_fonts=False)


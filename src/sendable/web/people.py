"""The people pages: search (with a Message button the sender's dry run enables or
disables), and the settings for being found and for contact sync, with a contact
upload from a pasted list or a CSV/vCard file."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sendable.contactfile import read_contacts
from sendable.errors import Invalid, ServiceError
from sendable.service import Service
from sendable.shell.auth import Principal
from sendable.web.errors import PageRoute
from sendable.web.render import NOTICES, page, redirect
from sendable.web.session import checked_form, signed_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)

MAX_FILE = 2 * 1024 * 1024

NOTICES.update({
    "people_settings": "Saved. Turning contact sync off deleted your uploaded contacts.",
    "people_saved": "Saved.",
    "contacts_deleted": "Your uploaded contacts are deleted.",
})


def service_of(request: Request) -> Service:
    return request.app.state.service


@router.get("/people")
def search(request: Request, q: str = "", cursor: str = "",
           me: Principal = Depends(signed_in)) -> HTMLResponse:
    found: dict[str, Any] | None = None
    error: ServiceError | None = None
    if q.strip():
        try:
            found = service_of(request).people.search(me.handle, q, 20, cursor or None)
        except ServiceError as problem:
            error = problem
    return page(request, "people.html", status=error.status if error else 200,
                title="Find people", q=q, found=found, error=error)


def settings_context(service: Service, handle: str) -> dict[str, Any]:
    """What the settings page shows about finding people."""
    return {"contact_count": service.people.count(handle)}


@router.post("/people/settings")
def save(request: Request, form: dict[str, str] = Depends(checked_form),
         me: Principal = Depends(signed_in)) -> Response:
    service = service_of(request)
    was = service.account(me.handle)["sync_contacts"]
    sync = form.get("sync_contacts") == "on"
    service.people.update_settings(me.handle, discoverable=form.get("discoverable") == "on",
                                   sync_contacts=sync,
                                   display_name=form.get("display_name", ""))
    return redirect("/settings#finding", "people_settings" if was and not sync
                    else "people_saved")


@router.post("/people/contacts")
async def upload(request: Request, form: dict[str, str] = Depends(checked_form),
                 me: Principal = Depends(signed_in)) -> Response:
    """Replace the uploaded contacts with those in the pasted list and/or the file."""
    text = form.get("list", "")
    file = (await request.form()).get("file")
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise Invalid("the file is over 2 MB", "file")
        text += "\n" + data.decode("utf-8", errors="replace")
    emails, phones = read_contacts(text)
    service = service_of(request)
    result = await run_in_threadpool(service.people.upload, me.handle, emails, phones)
    matches = await run_in_threadpool(service.people.matches, me.handle)
    return page(request, "contacts_uploaded.html", title="Contacts uploaded",
                result=result, matches=matches)


@router.post("/people/contacts/delete")
def delete(request: Request, form: dict[str, str] = Depends(checked_form),
           me: Principal = Depends(signed_in)) -> Response:
    service_of(request).people.clear(me.handle)
    return redirect("/settings#finding", "contacts_deleted")

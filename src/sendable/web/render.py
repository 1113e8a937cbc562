"""Templates, the common page context, and security headers for every page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from sendable.reasons import CATALOGUE
from sendable.textcheck import BIDI_TABLE, for_display
from sendable.web.session import csrf_token, remember_anon_csrf, viewer

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

# Fixed texts for ?notice=…: a redirect names one, a link cannot inject words.
NOTICES = {
    "delivered": "Sent.",
    "requested": "Sent as a message request: they see it once they accept it. "
                 "You can't send more than a few until they reply.",
    "held": "Held for review: a moderator will look at it before it is delivered.",
    "accepted": "Request accepted: the conversation is now in your inbox.",
    "declined": "Request declined: it is gone from your requests; they are not told.",
    "blocked": "Blocked. Neither of you can message the other; unblock in Privacy settings.",
    "unblocked": "Unblocked. Follows removed by the block are not restored.",
    "reported": "Report sent to the moderators. Thank you.",
    "following": "You follow them now.",
    "pending": "Follow request sent: they approve followers.",
    "unfollowed": "You no longer follow them.",
    "settings": "Privacy settings saved.",
    "approved": "Follow request approved.",
    "follow_declined": "Follow request declined. They are not told.",
    "appealed": "Appeal sent. A moderator will decide it; its state shows below.",
    "verification_sent": "We sent you a code. Enter it below.",
    "verified": "Your account is verified.",
    "signed_out": "You are signed out.",
    "replied": "Reply sent. Replying accepted the request: the conversation is in your inbox "
               "and they can write to you freely.",
    "birthdate": "Date of birth saved.",
    "done": "Done.",
    "labelled": "Thanks: the spam filter learned from your verdict.",
}
# A held message says why, as a refusal would: one fixed text per hold reason.
NOTICES.update({
    f"held:{code}": f"Held for review: {entry.message} A moderator will look at it "
                    "before it is delivered."
    for code, entry in CATALOGUE.items() if code.startswith("guidelines.")})


def _time(at: datetime) -> Markup:
    """A <time> in UTC; the page's script shows it in the viewer's own time zone,
    relative while recent ("5 minutes ago"), with the full time as its title."""
    at = at.astimezone(UTC)
    return Markup('<time datetime="{}">{}</time>').format(
        at.isoformat().replace("+00:00", "Z"), at.strftime("%Y-%m-%d %H:%M UTC"))


def _when(iso: str | None) -> Markup | str:
    if not iso:
        return ""
    return _time(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def _sentence(text: object) -> str:
    """Service messages are lower-case clauses; on a page they start a sentence."""
    text = str(text or "")
    return text[:1].upper() + text[1:]


def _epoch(seconds: float | int | str | None) -> Markup | str:
    if not isinstance(seconds, int | float):
        return str(seconds or "")
    return _time(datetime.fromtimestamp(seconds, UTC))


def _duration(seconds: float | int | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = round(seconds / size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _shown(value: Any) -> Any:
    """Every value a page shows (a message, a name, a statement) without bidirectional
    controls that could make it read in another order; the stored text is untouched."""
    if isinstance(value, Markup):
        return Markup(str.translate(value, BIDI_TABLE))
    return for_display(value)


templates.env.finalize = _shown
templates.env.filters["when"] = _when
templates.env.filters["duration"] = _duration
templates.env.filters["epoch"] = _epoch
templates.env.filters["sentence"] = _sentence


def security_headers(request: Request) -> dict[str, str]:
    host = request.url.netloc
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' ws://{host} wss://{host}; frame-ancestors 'none'; "
            "form-action 'self'; base-uri 'none'"),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    me = viewer(request)
    notice = request.query_params.get("notice")
    unread = context.pop("unread", None)
    if me and unread is None:
        unread = request.app.state.service.unread(me.handle)
    # Pages never carry the session token: scripts call the API with the session
    # cookie and the CSRF token (sendable.page_session), and open their stream with
    # a single-use ticket.
    values = {"me": me, "csrf": csrf_token(request), "unread": unread or {},
              "live": me is not None,
              "notice": NOTICES.get(notice or ""),
              "cursor": getattr(request.state, "cursor", None), "path": request.url.path, **context}
    response = templates.TemplateResponse(request, template, values, status_code=status,
                                          headers=security_headers(request))
    remember_anon_csrf(request, response)
    return response


def safe_next(target: str | None, default: str = "/inbox") -> str:
    """Only paths on this site (no //host, no scheme) are followed after a form."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def redirect(target: str, notice: str | None = None) -> RedirectResponse:
    if notice:
        path, hash_, fragment = target.partition("#")
        target = f"{path}{'&' if '?' in path else '?'}notice={notice}{hash_}{fragment}"
    return RedirectResponse(target, status_code=303)

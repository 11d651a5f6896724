"""The unsubscribe page that optional reminder emails link to; it needs no sign-in.

GET shows whose link it is and a button; only POST records the opt-out, so a mail scanner that
opens every link stops nothing. A mail program's one-click unsubscribe (RFC 8058) POSTs to the
same address. A forged or altered link finds nobody and changes nothing.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse

from course.services import unsubscribe
from course.web import resources

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}
_STYLE = ("<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
          "padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style>")


def _page(status: int, title: str, body: str) -> HTMLResponse:
    html = (f"<!doctype html><html lang=en><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title>{_STYLE}<main><h1>{escape(title)}</h1>{body}"
            '<p><a href="/">Need to Share</a></p></main></html>')
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


_UNKNOWN = ("<p>This unsubscribe link is not valid: it may have been copied only in part. "
            "Open the link from the email again, or ask your course administrator.</p>")
_ALWAYS = ("<p>Emails on the due date, and notes to your manager once a due date has passed, "
           "still go out: they are part of the assignment.</p>")


def unsubscribe_page(request: Request) -> HTMLResponse:
    """Show (GET) or record (POST) the opt-out from reminders ahead of a due date."""
    token = request.query_params.get("t", "")
    engine = resources.engine()
    if request.method == "POST":
        address = request.client.host if request.client else ""
        state = unsubscribe.opt_out(engine, token, address=address)
        if state.holder is None:
            return _page(404, "Link not valid", _UNKNOWN)
        return _page(200, "Reminders stopped",
                     f"<p>{escape(state.email)} will no longer receive reminders ahead of due "
                     f"dates.</p>{_ALWAYS}")
    state = unsubscribe.check_link(engine, token)
    if state.holder is None:
        return _page(404, "Link not valid", _UNKNOWN)
    if state.already:
        return _page(200, "Reminders already stopped",
                     f"<p>{escape(state.email)} receives no reminders ahead of due dates.</p>{_ALWAYS}")
    action = f"{unsubscribe.UNSUBSCRIBE_PATH}?t={quote(token, safe='')}"
    form = (f'<form method="post" action="{escape(action, quote=True)}">'
            "<button type=submit>Stop reminders before due dates</button></form>")
    return _page(200, "Stop reminders?",
                 f"<p>Stop the optional reminders sent to {escape(state.email)} ahead of due dates?</p>"
                 f"{_ALWAYS}{form}")

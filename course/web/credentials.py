"""The public certificate routes: check a verification code, and the key set credentials are signed with.

Neither needs a sign-in: whoever holds a certificate shows its code or its credential to someone
else, who checks it here. The verification page says only whether the code is valid or revoked,
with the name, track, date and band printed on the certificate itself.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from course.domain.certificates import Issuer
from course.services import certificates
from course.web import resources

_PUBLIC = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Content-Type-Options": "nosniff"}
_STYLE = ("<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
          "padding:0 1rem;line-height:1.5}dt{font-weight:bold}.valid{color:#0a5c2b}"
          ".revoked{color:#8a1111}</style>")


def _page(status: int, title: str, body: str) -> HTMLResponse:
    html = (f"<!doctype html><html lang=en><meta charset=utf-8>"
            f"<meta name=viewport content='width=device-width,initial-scale=1'>"
            f"<title>{escape(title)}</title>{_STYLE}<main><h1>{escape(title)}</h1>{body}"
            '<p><a href="/">Need to Share</a></p></main></html>')
    return HTMLResponse(html, status_code=status, headers=_PUBLIC)


_FORM = ("<form method=get><label for=code>Verification code</label> "
         "<input id=code name=code autocomplete=off required> <button>Check</button></form>")


def verify(request: Request) -> HTMLResponse:
    """Say whether the certificate with the code in `?code=` is valid or revoked."""
    code = request.query_params.get("code", "")
    if not code.strip():
        return _page(200, "Check a certificate", "<p>Type the code printed on the certificate.</p>"
                     + _FORM)
    found = certificates.check_code(resources.engine(), code)
    if found is None:
        return _page(404, "Certificate not found",
                     f"<p>No certificate has the code {escape(code.strip()[:40])}.</p>" + _FORM)
    issued = found.certificate
    state = ("<p class=revoked><strong>This certificate has been revoked.</strong></p>"
             if issued.revoked else "<p class=valid><strong>This certificate is valid.</strong></p>")
    facts = [("Awarded to", found.holder_name), ("Track", issued.track_title),
             ("Issued", f"{issued.issued_at:%d %B %Y}"), ("Score band", issued.band),
             ("Code", issued.code)]
    if issued.revoked_at is not None:
        facts.append(("Revoked", f"{issued.revoked_at:%d %B %Y}"))
    listed = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    title = "Certificate revoked" if issued.revoked else "Certificate valid"
    return _page(200, title, f"{state}<dl>{listed}</dl>")


def key_set(_request: Request) -> JSONResponse:
    """Publish the organisation's public signing keys as a JSON Web Key Set."""
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    return JSONResponse(certificates.public_key_set(resources.engine()), headers=headers)


def issuer_profile(_request: Request) -> JSONResponse:
    """Describe the issuer of the credentials: the organisation, as an Open Badges 3.0 Profile."""
    settings = resources.settings()
    issuer = Issuer.named(settings.organisation_name, settings.mail.public_url)
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    return JSONResponse(issuer.profile(), headers=headers)

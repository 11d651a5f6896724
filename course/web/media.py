"""The media route: a course's images, video, audio and captions, for signed-in people only.

Course content is internal to the organisation, so a request without a live session gets 403,
and every name that is not served media gets the same plain 404, whatever the reason.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from course.services import media
from course.services.accounts import SessionPolicy, resume_session
from course.services.session_cookies import SESSION_COOKIE, is_opaque_value
from course.web import resources

#: A browser keeps a file this long before asking again (with its ETag, answered by a 304).
MAX_AGE_SECONDS = 3600
ROUTE_PATH = media.MEDIA_ROUTE + "{path:path}"
_PLAIN = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _signed_in(request: Request) -> bool:
    token = request.cookies.get(SESSION_COOKIE)
    if not is_opaque_value(token):
        return False
    policy = SessionPolicy.from_settings(resources.settings())
    return resume_session(resources.engine(), token, policy=policy) is not None


def course_media(request: Request) -> Response:
    """Serve one media file of the course to a signed-in person, with its verified content type."""
    if not _signed_in(request):
        return PlainTextResponse("Sign in to see this file.\n", status_code=403, headers=_PLAIN)
    found = media.find_media_file(resources.settings().content_root, str(request.path_params.get("path", "")))
    if found is None:
        return PlainTextResponse("No such file.\n", status_code=404, headers=_PLAIN)
    etag = f'"{found.etag}"'
    headers = {"ETag": etag, "Cache-Control": f"private, max-age={MAX_AGE_SECONDS}",
               "X-Content-Type-Options": "nosniff"}
    wanted = {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or f"W/{etag}" in wanted:
        return Response(status_code=304, headers=headers)
    return FileResponse(found.path, media_type=found.content_type, headers=headers)

"""The pages that the links in account mails open: verify an address, confirm an email change, reset a password.

Each page is one static HTML file and a script that posts the link's token
to the REST route of the same contract (`/v1/auth:verifyEmail`,
`/v1/auth:confirmEmailChange`, `/v1/auth:resetPassword`). Nothing happens
until the user presses the button, because mail scanners open links on
their own. The token stays out of other sites' logs: the pages load nothing
from elsewhere and send no Referer.
"""

from __future__ import annotations

import importlib.resources

from starlette.responses import FileResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/account/assets"
# The paths the mail links use (server/domain/mail.py), each with its page.
PAGES = {
    "/verify-email": "verify-email.html",
    "/confirm-email": "confirm-email.html",
    "/reset-password": "reset-password.html",
}
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}


def routes() -> list[BaseRoute]:
    """Return the Starlette routes of the three pages and their shared script and style sheet."""
    directory = importlib.resources.files(__package__)
    result: list[BaseRoute] = []
    for path, name in PAGES.items():
        file = str(directory / name)

        async def page(request, file=file) -> FileResponse:
            return FileResponse(file, media_type="text/html", headers=_HEADERS)

        result.append(Route(path, page, methods=["GET"]))
    result.append(Mount(ASSETS_PATH, app=StaticFiles(packages=[(__package__, "assets")]), name="account-assets"))
    return result

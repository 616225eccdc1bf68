"""The pages that the links in account mails open: verify an address, confirm an email change, reset a password.

One static HTML file contains the three forms, and a script shows the one for
the page's path and posts the link's token to the REST route of the same
contract (`/v1/auth:verifyEmail`, `/v1/auth:confirmEmailChange`,
`/v1/auth:resetPassword`). Nothing happens
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
# The paths the mail links use (server/domain/mail.py); account.html has a form for each.
PAGES = ("/verify-email", "/confirm-email", "/reset-password")
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
}


def routes() -> list[BaseRoute]:
    """Return the Starlette routes of the three pages and their shared script and style sheet."""
    file = str(importlib.resources.files(__package__) / "account.html")

    async def page(request) -> FileResponse:
        return FileResponse(file, media_type="text/html", headers=_HEADERS)

    result: list[BaseRoute] = [Route(path, page, methods=["GET"]) for path in PAGES]
    result.append(Mount(ASSETS_PATH, app=StaticFiles(packages=[(__package__, "assets")]), name="account-assets"))
    return result

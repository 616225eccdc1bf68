"""The scoreboard page for an arcade's TV: plain HTML, CSS and JavaScript served from this folder.

The page watches a board through the gateway's own server-sent events route
(`GET /v1/scores/top/{game}:watch` with `Accept: text/event-stream`), so it
needs no build step, no other server and no network beyond the gateway.
"""

from __future__ import annotations

import importlib.resources

from starlette.responses import FileResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/scoreboard/assets"


def _directory() -> str:
    return str(importlib.resources.files(__package__))


def routes() -> list[BaseRoute]:
    """Return the Starlette routes of the page and its script and style sheet."""
    page = f"{_directory()}/scoreboard.html"

    async def scoreboard(request) -> FileResponse:
        # The board and its form are filled in by the script from the query
        # parameters, so one static file serves every selection.
        return FileResponse(page, media_type="text/html", headers={"Cache-Control": "no-cache"})

    return [
        Route("/scoreboard", scoreboard, methods=["GET"]),
        Mount(ASSETS_PATH, app=StaticFiles(packages=[(__package__, "assets")]), name="scoreboard-assets"),
    ]

"""The scoreboard page in a real headless Chromium, driven by playwright.

`make test` installs Debian's chromium package first when it is missing and
the user is root. Playwright never downloads a browser here: it starts
/usr/bin/chromium. The first test saves docs/scoreboard.png for the README.
"""

import os
import pathlib
import shutil

import pytest

from tests.gateway.rest import create_arcade, create_machine, sign_up, submit_score

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = pathlib.Path(__file__).parents[2] / "docs" / "scoreboard.png"
# How long a check waits for the page, in milliseconds.
WAIT_MS = 10_000

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
playwright_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed; run make test")


@pytest.fixture
async def page():
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not installed at {CHROMIUM}; CI runs as root, so `make test` should have installed it")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}; `make chromium` installs it when run as root")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 720})
            page = await context.new_page()
            # The page must need nothing but the gateway: any other host fails the test.
            outside: list[str] = []
            page.on("request", lambda request: outside.append(request.url) if not request.url.startswith("http://127.0.0.1:") else None)
            yield page
            assert outside == []
        finally:
            await browser.close()


def board_url(api, **query) -> str:
    text = "&".join(f"{name}={value}" for name, value in query.items())
    return f"http://127.0.0.1:{api.running.http_port}/scoreboard?{text}"


async def rows(page) -> list[list[str]]:
    return await page.eval_on_selector_all(
        "#entries tr", "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent))"
    )


async def test_board_updates_live_and_highlights_leader(api, http, page, tmp_path):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner, displayName="Flipper Hall")
    machine = await create_machine(http, owner, arcade["id"])
    game = machine.machine["gameId"]

    await page.goto(board_url(api, game=game, arcade_id=arcade["id"], period="BOARD_PERIOD_DAY"))
    await page.wait_for_selector('#connection[data-state="live"]', timeout=WAIT_MS)
    assert await page.text_content("#message") == "No scores yet. Be the first!"
    assert await page.is_hidden("#settings form")

    assert (await submit_score(http, machine, "1250000", initials="ADA")).status_code == 200
    await page.wait_for_selector("#entries tr.leader >> text=ADA", timeout=WAIT_MS)
    assert await rows(page) == [["1", "ADA", "1,250,000"]]

    assert (await submit_score(http, machine, "9007199254740993", initials="MAX")).status_code == 200
    await page.wait_for_selector("#entries tr.leader.new-leader >> text=MAX", timeout=WAIT_MS)
    banner = await page.text_content("#leader-name")
    assert banner == "MAX \u2014 9,007,199,254,740,993"
    assert await page.is_visible("#leader-banner")

    for value, initials in (("48200000", "TOM"), ("7300000", "ZOE"), ("310500000", "LIZ")):
        assert (await submit_score(http, machine, value, initials=initials)).status_code == 200
    await page.wait_for_function("document.querySelectorAll('#entries tr').length === 5", timeout=WAIT_MS)
    assert [row[1] for row in await rows(page)] == ["MAX", "LIZ", "TOM", "ZOE", "ADA"]
    assert await page.text_content("#title") != ""

    # The README's screenshot is rewritten only on request, so a test run
    # leaves the work tree clean; otherwise the shot goes to a temporary file.
    target = SCREENSHOT if os.environ.get("ORIGIN_UPDATE_SNAPSHOTS") else tmp_path / "scoreboard.png"
    await page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000

    # A page opened again (as after a reconnection) shows the board at once.
    await page.reload()
    await page.wait_for_function("document.querySelectorAll('#entries tr').length === 5", timeout=WAIT_MS)
    assert await page.is_hidden("#leader-banner")


async def test_reconnects_after_stream_ends(api, http, page):
    owner = await sign_up(http)
    arcade = await create_arcade(http, owner)
    machine = await create_machine(http, owner, arcade["id"])
    await page.goto(board_url(api, game=machine.machine["gameId"], machine_id=machine.machine["id"]))
    await page.wait_for_selector('#connection[data-state="live"]', timeout=WAIT_MS)
    opened = await page.evaluate("performance.getEntriesByType('resource').filter(e => e.name.includes(':watch')).length")

    # End every open stream as a gateway shutdown does, then let new ones
    # open again; EventSource reconnects by itself.
    closing = api.running.gateway.gateway.closing
    closing.set()
    await page.wait_for_selector('#connection[data-state="reconnecting"]', timeout=WAIT_MS)
    closing.clear()
    await page.wait_for_function(
        f"performance.getEntriesByType('resource').filter(e => e.name.includes(':watch')).length > {opened}",
        timeout=WAIT_MS,
    )
    await page.wait_for_selector('#connection[data-state="live"]', timeout=WAIT_MS)
    assert (await submit_score(http, machine, 4200, initials="NEW")).status_code == 200
    await page.wait_for_selector("#entries tr >> text=NEW", timeout=WAIT_MS)


async def test_form_without_selection(api, page):
    await page.goto(board_url(api))
    assert await page.is_visible("#selection")
    await page.fill("#game", "attack-from-mars")
    await page.select_option("#period", "BOARD_PERIOD_WEEK")
    await page.click("button[type=submit]")
    await page.wait_for_selector('#connection[data-state="live"]', timeout=WAIT_MS)
    assert "game=attack-from-mars" in page.url
    assert "period=BOARD_PERIOD_WEEK" in page.url
    assert await page.text_content("#subtitle") == "All arcades \u00b7 This week"


async def test_bad_selection_shows_error(api, page):
    await page.goto(board_url(api, game="attack-from-mars", machine_id="not-a-machine"))
    await page.wait_for_selector('#connection[data-state="failed"]', timeout=WAIT_MS)
    assert await page.is_visible("#message")
    assert await page.text_content("#message") != ""

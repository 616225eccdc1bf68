"""The scripts in sdk/python/examples, each run as a child process against a real server."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys

from tests.helpers import PASSWORD, sign_up

EXAMPLES = pathlib.Path(__file__).parents[3] / "sdk" / "python" / "examples"


async def run_example(name: str, env: dict[str, str], *args: str, cwd: pathlib.Path) -> str:
    """Run one example to its end; return its stdout, failing the test on a non-zero exit."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / name), *args,
        env={**os.environ, **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, f"{name} exited with {process.returncode}: {stderr.decode()}"
    return stdout.decode()


def fields(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines() if ": " in line)


async def test_examples_end_to_end(api, tmp_path):
    owner = await sign_up(api, "example_owner")
    env = {"ORIGIN_SERVER": api.address, "ORIGIN_EMAIL": "example_owner@example.com", "ORIGIN_PASSWORD": PASSWORD}

    signed_in = await run_example("sign_in.py", env, cwd=tmp_path)
    registered = fields(await run_example("register_machine.py", env, cwd=tmp_path))
    board_env = {"ORIGIN_SERVER": api.address, "ORIGIN_GAME": registered["game_id"], "ORIGIN_ARCADE_ID": registered["arcade_id"]}

    watcher = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "watch_board.py"),
        env={**os.environ, **board_env, "ORIGIN_WATCH_UPDATES": "2"}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        first_update = (await asyncio.wait_for(watcher.stdout.readline(), timeout=60)).decode()
        device_env = {"ORIGIN_SERVER": api.address, "ORIGIN_DEVICE_TOKEN": registered["device_token"]}
        submitted = await run_example("submit_score_device.py", device_env, "52310000", "AFM", cwd=tmp_path)
        second_update = (await asyncio.wait_for(watcher.stdout.readline(), timeout=60)).decode()
        watch_status = await asyncio.wait_for(watcher.wait(), timeout=30)
    finally:
        if watcher.returncode is None:
            watcher.kill()
            await watcher.wait()
    board = await run_example("read_board.py", board_env, cwd=tmp_path)

    assert signed_in.strip() == f"signed in as example_owner (user {owner.user_id})"
    assert registered["device_token"]
    assert first_update.startswith("top: [] ")
    assert "accepted 1" in submitted
    assert second_update.startswith("top: [52310000] ")
    assert "KIND_NEW_LEADER" in second_update
    assert watch_status == 0
    assert board.splitlines() == ["1 entries", "  1       52,310,000  AFM"]
    assert (tmp_path / "outbox.sqlite3").exists()


async def test_sign_in_example_wrong_password(api, tmp_path):
    await sign_up(api, "example_wrong")
    env = {"ORIGIN_SERVER": api.address, "ORIGIN_EMAIL": "example_wrong@example.com", "ORIGIN_PASSWORD": "wrong password"}

    process = await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLES / "sign_in.py"), env={**os.environ, **env}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 1
    assert stderr.decode().strip() == "sign-in failed: the email or password is incorrect (BAD_CREDENTIALS)"

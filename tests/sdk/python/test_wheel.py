"""The origin-sdk wheel: built with its standard backend, installed into a fresh
virtual environment, and used there to submit a score to a running server.

The fresh environment installs the wheel's dependencies (grpcio, protobuf and
friends) with pip from the configured index, so this test needs that index to
be reachable, as PyPI is on CI; pip's cache makes repeated runs take about 20 s.
"""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys
import venv

from tests.helpers import owner_with_machine
from tests.sdk.python.test_examples import EXAMPLES

SDK = pathlib.Path(__file__).parents[3] / "sdk" / "python"
CHECK_INSTALL = """
import importlib.resources, origin_sdk, origin_sdk.blocking
print(origin_sdk.__file__)
print(importlib.resources.files("origin_sdk").joinpath("descriptors.binpb").is_file())
print(importlib.resources.files("origin_sdk").joinpath("py.typed").is_file())
"""


async def run(*command: str, cwd: pathlib.Path, env: dict[str, str] | None = None, timeout: float = 120) -> str:
    """Run a command to its end; return its stdout, failing the test on a non-zero exit."""
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=timeout)
    assert process.returncode == 0, f"{command[:4]} exited with {process.returncode}: {stderr.decode()[-2000:]}"
    return stdout.decode()


def clean_environment() -> dict[str, str]:
    """The test's environment without anything that would let the fresh venv import the source tree."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


async def test_wheel_installs_and_submits(api, tmp_path):
    _, arcade, machine = await owner_with_machine(api)
    wheels = tmp_path / "wheels"
    await run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
        "--wheel-dir", str(wheels), str(SDK), cwd=tmp_path,
    )
    [wheel] = wheels.glob("origin_sdk-*.whl")

    environment = tmp_path / "venv"
    await asyncio.to_thread(venv.EnvBuilder(with_pip=True).create, environment)
    python = str(environment / "bin" / "python")
    env = clean_environment()
    await run(python, "-m", "pip", "install", "--quiet", str(wheel), cwd=tmp_path, env=env)
    installed = (await run(python, "-c", CHECK_INSTALL, cwd=tmp_path, env=env)).splitlines()

    device_env = {**env, "ORIGIN_SERVER": api.address, "ORIGIN_DEVICE_TOKEN": machine.token}
    submitted = await run(python, str(EXAMPLES / "submit_score_device.py"), "4200000", "WHL", cwd=tmp_path, env=device_env)
    board_env = {**env, "ORIGIN_SERVER": api.address, "ORIGIN_GAME": machine.game_id, "ORIGIN_ARCADE_ID": arcade.id}
    board = await run(python, str(EXAMPLES / "read_board.py"), cwd=tmp_path, env=board_env)

    assert pathlib.Path(installed[0]).is_relative_to(environment)
    assert installed[1:] == ["True", "True"]
    assert "accepted 1" in submitted
    assert board.splitlines() == ["1 entries", "  1        4,200,000  WHL"]

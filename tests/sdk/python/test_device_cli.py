"""The `origin-device` command, run as a separate process against a real server."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from origin_sdk import device_cli

TABLE = [
    {"rom": "tz_92", "title": "Twilight Zone (9.2)", "manufacturer": "williams", "last_played": "2024-03-01 21:15",
     "position": 1, "label": "Grand Champion", "initials": "TZ ", "score": 2_500_000_000},
    {"rom": "tz_92", "title": "Twilight Zone (9.2)", "manufacturer": "williams", "last_played": "2024-03-01 21:15",
     "position": 2, "label": "First Place", "initials": None, "score": 1_000_000_000},
]


async def run_cli(*args: str) -> tuple[int, str, str]:
    """Run `origin-device ARGS` in a child process; return its exit status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "origin_sdk.device_cli", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


def summary_fields(stdout: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in stdout.splitlines())


async def test_replay_twice_reports_duplicates(api, tmp_path):
    table = tmp_path / "tables.jsonl"
    table.write_text("".join(json.dumps(entry) + "\n" for entry in TABLE), encoding="utf-8")
    args = ["replay", str(table), "--server", api.address, "--password", "cli-password", "--outbox", str(tmp_path)]

    first_status, first_out, first_err = await run_cli(*args)
    second_status, second_out, second_err = await run_cli(*args)

    assert (first_status, first_err) == (0, "")
    assert summary_fields(first_out) | {"seconds": ""} == {
        "machines": "1", "entries sent": "2", "accepted": "2", "duplicates": "0", "rejected": "0", "seconds": "",
    }
    assert (second_status, second_err) == (0, "")
    assert summary_fields(second_out)["duplicates"] == "2"
    assert summary_fields(second_out)["accepted"] == "0"


async def test_replay_wrong_password_fails(api, tmp_path):
    table = tmp_path / "tables.jsonl"
    table.write_text(json.dumps(TABLE[0]) + "\n", encoding="utf-8")
    base = ["replay", str(table), "--server", api.address, "--outbox", str(tmp_path)]
    assert (await run_cli(*base, "--password", "cli-password"))[0] == 0

    status, stdout, stderr = await run_cli(*base, "--password", "another-password")

    assert status == 1
    assert stdout == ""
    assert stderr.startswith("origin-device: error: signing in as pinmame-replay@example.com")
    assert "UNAUTHENTICATED" in stderr
    assert "another-password" not in stderr


async def test_replay_missing_file_fails(tmp_path):
    status, stdout, stderr = await run_cli("replay", str(tmp_path / "absent.jsonl"), "--server", "127.0.0.1:1")

    assert status == 1
    assert "absent.jsonl" in stderr


def test_bad_concurrency_is_usage_error(capsys):
    with pytest.raises(SystemExit) as caught:
        device_cli.main(["replay", "tables.jsonl", "--concurrency", "0"])

    assert caught.value.code == 2
    assert "--concurrency: must be at least 1, got 0" in capsys.readouterr().err

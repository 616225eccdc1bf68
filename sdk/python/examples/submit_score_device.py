"""Submit a score as a machine, through the device agent's outbox.

    ORIGIN_SERVER=127.0.0.1:50051 ORIGIN_DEVICE_TOKEN=origin_dev_... python submit_score_device.py 52310000 AFM

The score is stored in the SQLite file ORIGIN_OUTBOX (default
outbox.sqlite3) before it is sent, and leaves it only when the server
acknowledges it, so running the script again after a failure resends it.
"""

import asyncio
import os
import sys
import uuid

from origin_sdk import DeviceClient


async def main() -> None:
    server = os.environ.get("ORIGIN_SERVER", "127.0.0.1:50051")
    value = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    initials = sys.argv[2] if len(sys.argv) > 2 else "AAA"
    outbox = os.environ.get("ORIGIN_OUTBOX", "outbox.sqlite3")

    async with DeviceClient(server, os.environ["ORIGIN_DEVICE_TOKEN"], outbox) as device:
        # The submission ID makes resending safe: the server stores it once.
        submission_id = f"game-{uuid.uuid4().hex[:12]}"
        await device.submit(submission_id, value, initials=initials)
        await device.flush(timeout=30)
        print(f"submitted {submission_id}: {value} by {initials}; accepted {device.stats.accepted}")


if __name__ == "__main__":
    asyncio.run(main())

"""Register a pinball machine in an arcade and print its device token.

    ORIGIN_SERVER=127.0.0.1:50051 ORIGIN_EMAIL=... ORIGIN_PASSWORD=... \
    ORIGIN_ARCADE_ID=... ORIGIN_GAME_TITLE="Attack From Mars (1.13b)" python register_machine.py

Without ORIGIN_ARCADE_ID it first creates an arcade in Europe/Berlin. The
server shows the device token only once: store it on the machine.
"""

import asyncio
import os

from origin_sdk import OriginClient


async def main() -> None:
    server = os.environ.get("ORIGIN_SERVER", "127.0.0.1:50051")
    async with OriginClient(server) as client:
        await client.sign_in(os.environ["ORIGIN_EMAIL"], os.environ["ORIGIN_PASSWORD"])

        arcade_id = os.environ.get("ORIGIN_ARCADE_ID")
        if not arcade_id:
            arcade = await client.create_arcade("Flipper Hall", "Europe/Berlin", latitude=52.52, longitude=13.405)
            arcade_id = arcade.id

        title = os.environ.get("ORIGIN_GAME_TITLE", "Attack From Mars (1.13b)")
        registered = await client.register_machine(arcade_id, title)
        print(f"arcade_id: {arcade_id}")
        print(f"machine_id: {registered.machine.id}")
        print(f"game_id: {registered.machine.game_id}")
        print(f"device_token: {registered.device_token}")


if __name__ == "__main__":
    asyncio.run(main())

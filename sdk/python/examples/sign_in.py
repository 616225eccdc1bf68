"""Sign in with email and password and print the signed-in user.

    ORIGIN_SERVER=127.0.0.1:50051 ORIGIN_EMAIL=ada@example.com ORIGIN_PASSWORD=... python sign_in.py

With a second factor on, the script reads the code from standard input.
"""

import asyncio
import os

from origin_sdk import OriginClient, errors


async def main() -> None:
    server = os.environ.get("ORIGIN_SERVER", "127.0.0.1:50051")
    async with OriginClient(server) as client:
        try:
            result = await client.sign_in(os.environ["ORIGIN_EMAIL"], os.environ["ORIGIN_PASSWORD"])
        except errors.Unauthenticated as error:
            raise SystemExit(f"sign-in failed: {error.message} ({error.reason})") from error
        if result.needs_second_factor:
            await client.complete_sign_in(input("second-factor code: ").strip())

        user = await client.current_user()
        print(f"signed in as {user.screen_name} (user {user.id})")


if __name__ == "__main__":
    asyncio.run(main())

"""A real SMTP server (aiosmtpd) on a free port that keeps what it receives."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
import re
import socket
import threading
import time

from aiosmtpd.controller import Controller


class Mailbox:
    """Messages received by the test SMTP server, with helpers to wait for them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self.envelopes.clear()

    def messages(self, to: str | None = None) -> list[email.message.EmailMessage]:
        with self._lock:
            return [m for m in self._messages if to is None or m["To"] == to]

    async def wait_for(self, to: str, count: int = 1, timeout: float = 10.0) -> list[email.message.EmailMessage]:
        """Wait until `count` messages to `to` arrived; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages(to)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} message(s) to {to}, got {len(self.messages(to))}")

    async def last_code(self, to: str, count: int = 1) -> str:
        """Wait for the `count`-th message to `to` and return the 6-digit code in its text body."""
        message = (await self.wait_for(to, count))[count - 1]
        return re.search(r"\b(\d{6})\b", text_body(message)).group(1)

    async def last_link_token(self, to: str, count: int = 1) -> str:
        message = (await self.wait_for(to, count))[count - 1]
        return re.search(r"\?token=([A-Za-z0-9_-]+)", text_body(message)).group(1)


def text_body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, mailbox

"""The mail sender: takes queued messages from mail_outbox and delivers them.

Delivery uses the standard library's smtplib in a worker thread. It speaks
SMTP with STARTTLS and AUTH, is maintained with Python itself, and one
message at a time needs no async client: the thread keeps the event loop
free while a relay is slow. With no SMTP_HOST, each message is written to
ORIGIN_DATA_DIR/mail/ as an .eml file for a developer to read. The log
line names the file but never contains the subject or body, because they
carry codes and links.

A message is taken with FOR UPDATE SKIP LOCKED and closed in the same
transaction, so several server processes never send one message twice, and
a process that stops mid-send leaves the row to be sent again (delivery is
at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.message
import email.utils
import logging
import pathlib
import smtplib
import ssl
import time

from server.db import mail as db
from server.db.engine import transaction
from server.deps import Deps
from server.domain import mail
from server.settings import Settings

logger = logging.getLogger(__name__)

# Attempts before a message is given up; the delay doubles from 10 s to at most 1 h.
MAX_ATTEMPTS = 10
FIRST_RETRY_SECONDS = 10.0
MAX_RETRY_SECONDS = 3600.0
SMTP_TIMEOUT_SECONDS = 30.0


def build_message(settings: Settings, outgoing: mail.OutgoingMail) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(domain="origin.invalid")
    message.set_content(outgoing.text)
    message.add_alternative(outgoing.html, subtype="html")
    return message


class SmtpTransport:
    def __init__(self, settings: Settings):
        self.settings = settings

    async def send(self, message: email.message.EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)

    def _send(self, message: email.message.EmailMessage) -> None:
        settings = self.settings
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as client:
            if settings.smtp_starttls:
                client.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password)
            client.send_message(message)


class DirectoryTransport:
    """Writes each message to a directory, for development without a relay."""

    def __init__(self, directory: pathlib.Path):
        self.directory = directory

    async def send(self, message: email.message.EmailMessage) -> None:
        path = await asyncio.to_thread(self._write, message)
        # The subject is left out too, because some subjects carry the code.
        logger.info("mail to %s saved to %s (no SMTP_HOST set)", message["To"], path)

    def _write(self, message: email.message.EmailMessage) -> pathlib.Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
        path = self.directory / name
        # The body carries codes and links, so only the owner may read it.
        path.touch(mode=0o600)
        path.write_bytes(message.as_bytes())
        return path


class MailSender:
    """Sends queued mail in the background until stopped."""

    def __init__(self, deps: Deps):
        self.deps = deps
        settings = deps.settings
        self.transport = SmtpTransport(settings) if settings.smtp_host else DirectoryTransport(settings.data_dir / "mail")
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mail-sender")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while await self.send_one():
                    pass
            except Exception:
                # The database may be restarting; the next poll tries again.
                logger.exception("mail sender failed; retrying in %.1f s", self.deps.settings.mail_poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.deps.settings.mail_poll_seconds)

    async def send_one(self) -> bool:
        """Deliver the oldest due message. Returns False when none is due.

        NOTE: the row lock and its connection are held while the relay
        answers (up to SMTP_TIMEOUT_SECONDS), one pool connection per sender.
        """
        async with transaction(self.deps.engine) as conn:
            row = await db.claim_due_mail(conn)
            if row is None:
                return False
            outgoing = await mail.render(self.deps, conn, row)
            if outgoing is None:
                await db.mark_mail_done(conn, row.id, tried=False, error="dropped: no account or code")
                return True
            await self._deliver(conn, row, outgoing)
        return True

    async def _deliver(self, conn, row, outgoing: mail.OutgoingMail) -> None:
        try:
            await self.transport.send(build_message(self.deps.settings, outgoing))
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
            if row.attempts + 1 >= MAX_ATTEMPTS:
                logger.error("mail %s given up after %d attempts: %s", row.id, row.attempts + 1, error)
                await db.mark_mail_done(conn, row.id, tried=True, error=error)
                return
            delay = min(FIRST_RETRY_SECONDS * 2**row.attempts, MAX_RETRY_SECONDS)
            logger.warning("mail %s not sent (attempt %d), retrying in %.0f s: %s", row.id, row.attempts + 1, delay, error)
            await db.mark_mail_retry(conn, row.id, error, delay)
            return
        await db.mark_mail_done(conn, row.id, tried=True)
        logger.info("mail %s sent (template %s)", row.id, row.template)

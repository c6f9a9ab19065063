"""Email over SMTP, configured from one URL (``DOORSTEP_SMTP_URL``).

URL forms::

    smtp://user:pass@host:25?from=noreply@example.com   plain, STARTTLS when offered
    smtp+starttls://user:pass@host:587                   STARTTLS required
    smtps://user:pass@host:465                           implicit TLS

Query options: ``from=`` (default sender), ``timeout=`` (seconds, default 10),
``verify=false`` (skip certificate checks, for self-signed test servers), ``cafile=``
(trust this CA bundle), ``starttls=required|never`` (for ``smtp://``), ``auth=plain|login``
(force one AUTH mechanism), ``helo=`` (the name we greet with).

One connection per message: notifications are few per minute, and a fresh connection
cannot be left half-broken by an earlier failure.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import ClassVar, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from doorstep.channels.base import Channel, Outcome, OutgoingMessage, SendResult

Security = Literal["plain", "starttls", "tls"]
StartTls = Literal["auto", "required", "never"]

_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}
_AUTH_MECHANISMS = ("plain", "login")
# The characters RFC 5322 allows in a msg-id's left part (dot-atom text), minus dots at
# the ends; anything else is hashed so the Message-ID stays valid and deterministic.
_SAFE_ID = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")


def message_id(idempotency_key: str, domain: str = "doorstep") -> str:
    """The Message-ID for a key: the same on every retry, so receivers (and we, when
    matching bounces) can recognise a repeat."""
    left = idempotency_key if _SAFE_ID.match(idempotency_key) else _digest(idempotency_key)
    if len(left) > 200:
        left = _digest(idempotency_key)
    return f"<{left}@{domain}>"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class SmtpConfig:
    """A parsed SMTP URL."""

    host: str
    port: int
    security: Security = "plain"
    username: str | None = None
    password: str | None = None
    sender: str | None = None
    timeout_s: float = 10.0
    verify: bool = True
    cafile: str | None = None
    starttls: StartTls = "auto"
    auth: str | None = None
    helo: str | None = None


def parse_smtp_url(url: str) -> SmtpConfig:
    """Parse ``DOORSTEP_SMTP_URL``; ValueError naming what is wrong."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ValueError(f"SMTP URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        known = ", ".join(f"{s}://" for s in _SCHEMES)
        raise ValueError(f"SMTP URL has unknown scheme {parts.scheme!r}; use one of {known}")
    security, default_port = _SCHEMES[scheme]
    if not parts.hostname:
        raise ValueError("SMTP URL has no host (expected smtp://[user:pass@]host[:port])")
    try:
        port = parts.port or default_port
    except ValueError:
        raise ValueError("SMTP URL has a bad port (expected a number from 1 to 65535)") from None
    if not 0 < port < 65536:
        raise ValueError("SMTP URL has a bad port (expected a number from 1 to 65535)")

    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"from", "timeout", "verify", "cafile", "starttls", "auth", "helo"}
    if unknown:
        raise ValueError(f"SMTP URL has unknown option(s): {', '.join(sorted(unknown))}")
    timeout_s = 10.0
    if "timeout" in query:
        try:
            timeout_s = float(query["timeout"])
        except ValueError:
            raise ValueError("SMTP URL option timeout= must be a number of seconds") from None
        if timeout_s <= 0:
            raise ValueError("SMTP URL option timeout= must be positive")
    verify_text = query.get("verify", "true").lower()
    if verify_text not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("SMTP URL option verify= must be true or false")
    starttls = query.get("starttls", "auto").lower()
    if starttls not in ("auto", "required", "never"):
        raise ValueError("SMTP URL option starttls= must be auto, required or never")
    if security == "starttls":
        starttls = "required"
    auth = query.get("auth", "").lower() or None
    if auth is not None and auth not in _AUTH_MECHANISMS:
        raise ValueError(f"SMTP URL option auth= must be one of {', '.join(_AUTH_MECHANISMS)}")
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        sender=query.get("from") or None,
        timeout_s=timeout_s,
        verify=verify_text in ("true", "1", "yes"),
        cafile=query.get("cafile") or None,
        starttls=starttls,  # type: ignore[arg-type]  # checked above
        auth=auth,
        helo=query.get("helo") or None,
    )


class SmtpChannel(Channel):
    """Sends email through one SMTP server; every failure comes back classified."""

    kind: ClassVar[str] = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._tls = self._tls_context(config)

    @classmethod
    def from_url(cls, url: str) -> SmtpChannel:
        """Build from ``DOORSTEP_SMTP_URL``; ValueError for a malformed URL."""
        return cls(parse_smtp_url(url))

    @staticmethod
    def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=config.cafile)
        if not config.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def build(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message: text, plus an HTML alternative when given."""
        sender = message.sender or self.config.sender
        if not sender:
            raise ValueError("no sender: set from= in the SMTP URL or the message's sender")
        email = EmailMessage()
        email["From"] = sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = message_id(message.idempotency_key)
        # Tells auto-responders (vacation replies) not to answer a machine.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: OutgoingMessage) -> SendResult:
        try:
            email = self.build(message)
        except (ValueError, TypeError) as exc:
            return SendResult(Outcome.FAILED, detail=f"cannot build the message: {exc}")
        msg_id = str(email["Message-ID"])
        try:
            with self._connect() as smtp:
                self._secure_and_login(smtp)
                refused = smtp.send_message(email, to_addrs=[message.to])
        except smtplib.SMTPRecipientsRefused as exc:
            return _recipient_refused(exc)
        except smtplib.SMTPAuthenticationError as exc:
            reason = _text(exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                return SendResult(Outcome.RETRY, detail=f"SMTP AUTH {exc.smtp_code}: {reason}")
            return SendResult(
                Outcome.FAILED,
                detail=f"SMTP authentication failed ({exc.smtp_code}): {reason}",
            )
        except smtplib.SMTPNotSupportedError as exc:
            return SendResult(Outcome.FAILED, detail=f"SMTP server lacks a feature: {exc}")
        except smtplib.SMTPResponseException as exc:
            return _response_error(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPServerDisconnected as exc:
            return SendResult(Outcome.RETRY, detail=f"SMTP connection lost: {exc}")
        except ssl.SSLCertVerificationError as exc:
            # Configuration, not weather: retrying will not make the certificate valid.
            return SendResult(Outcome.FAILED, detail=f"SMTP TLS certificate refused: {exc}")
        except smtplib.SMTPException as exc:
            return SendResult(Outcome.FAILED, detail=f"SMTP error: {exc}")
        except TimeoutError:
            return SendResult(Outcome.RETRY, detail="SMTP server timed out")
        except OSError as exc:  # refused, unreachable, DNS, TLS handshake
            return SendResult(Outcome.RETRY, detail=f"SMTP connection failed: {exc}")
        if refused:  # only partial refusals come back this way; we send to one address
            return _recipient_refused(smtplib.SMTPRecipientsRefused(refused))
        return SendResult(Outcome.SENT, provider_id=msg_id)

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.security == "tls":
            return smtplib.SMTP_SSL(
                cfg.host,
                cfg.port,
                local_hostname=cfg.helo,
                timeout=cfg.timeout_s,
                context=self._tls,
            )
        return smtplib.SMTP(cfg.host, cfg.port, local_hostname=cfg.helo, timeout=cfg.timeout_s)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        cfg = self.config
        smtp.ehlo()
        if cfg.security != "tls" and cfg.starttls != "never":
            if smtp.has_extn("starttls"):
                smtp.starttls(context=self._tls)
                smtp.ehlo()
            elif cfg.starttls == "required":
                raise smtplib.SMTPNotSupportedError(
                    "STARTTLS is required but the server does not offer it"
                )
        if cfg.username is None:
            return
        password = cfg.password or ""
        if cfg.auth is None:
            smtp.login(cfg.username, password)
            return
        if not smtp.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("the server does not offer AUTH")
        # smtplib's auth objects read these attributes.
        smtp.user, smtp.password = cfg.username, password
        if cfg.auth == "plain":
            smtp.auth("PLAIN", smtp.auth_plain)
        else:
            smtp.auth("LOGIN", smtp.auth_login)


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _response_error(code: int, raw: bytes | str) -> SendResult:
    reason = f"SMTP {code}: {_text(raw)}"
    if 400 <= code < 500:
        return SendResult(Outcome.RETRY, detail=reason)
    return SendResult(Outcome.FAILED, detail=reason)


def _recipient_refused(exc: smtplib.SMTPRecipientsRefused) -> SendResult:
    code, raw = next(iter(exc.recipients.values()), (0, b""))
    reason = f"SMTP {code} for recipient: {_text(raw)}"
    if 400 <= code < 500:
        return SendResult(Outcome.RETRY, detail=reason)
    return SendResult(Outcome.FAILED, detail=reason, bounced=True)

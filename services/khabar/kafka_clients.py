"""How every Kafka client of khabar connects: the security settings turned into each client library's arguments.

kafka-python (producer, admin, readers, redrive), aiokafka (the lag reader) and Faust (the worker, over aiokafka)
name the same things differently; this module is the one place that maps `Settings` onto them, so a broker
that needs TLS or SASL is reached the same way by all of them. All TLS goes through one `ssl.SSLContext`
built here: the CA file (else the system's CAs), the client certificate (mTLS), hostname checking.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from khabar.config import Settings

Client = TypeVar("Client")


class KafkaAccessError(RuntimeError):
    """Kafka could not be reached as configured; the message names the cause and the settings to change."""


def uses_tls(settings: Settings) -> bool:
    return settings.security_protocol in ("SSL", "SASL_SSL")


def uses_sasl(settings: Settings) -> bool:
    return settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")


def sasl_password(settings: Settings) -> str:
    """The SASL password, from KHABAR_SASL_PASSWORD or the first line of KHABAR_SASL_PASSWORD_FILE."""
    if not settings.sasl_password_file:
        return settings.sasl_password
    try:
        lines = Path(settings.sasl_password_file).read_text().splitlines()
    except OSError as error:
        raise KafkaAccessError(
            f"cannot read KHABAR_SASL_PASSWORD_FILE={settings.sasl_password_file}: {error.strerror}"
        ) from error
    return lines[0] if lines else ""


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of every client, or None without TLS. Certificates are always verified."""
    if not uses_tls(settings):
        return None
    try:
        context = ssl.create_default_context(cafile=settings.ssl_cafile or None)
        context.check_hostname = settings.ssl_check_hostname
        if settings.ssl_certfile:
            context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile or None)
    except (OSError, ssl.SSLError) as error:  # FileNotFoundError is an OSError too
        raise KafkaAccessError(
            f"cannot load the TLS files (KHABAR_SSL_CAFILE={settings.ssl_cafile or '-'}, "
            f"KHABAR_SSL_CERTFILE={settings.ssl_certfile or '-'}, KHABAR_SSL_KEYFILE="
            f"{settings.ssl_keyfile or '-'}): {error}"
        ) from error
    return context


def _sasl(settings: Settings) -> dict[str, Any]:
    if not uses_sasl(settings):
        return {}
    if not settings.sasl_username:
        raise KafkaAccessError(
            f"KHABAR_SECURITY_PROTOCOL={settings.security_protocol} needs KHABAR_SASL_USERNAME "
            "and KHABAR_SASL_PASSWORD_FILE (or KHABAR_SASL_PASSWORD)"
        )
    return {
        "sasl_mechanism": settings.sasl_mechanism,
        "sasl_plain_username": settings.sasl_username,
        "sasl_plain_password": sasl_password(settings),
    }


def kafka_python(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's KafkaProducer, KafkaConsumer and KafkaAdminClient."""
    return {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
        "ssl_context": ssl_context(settings),
        **_sasl(settings),
    }


def aiokafka(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for aiokafka's clients (the same names as kafka-python's, TLS only as a context)."""
    return kafka_python(settings)


def faust_credentials(settings: Settings) -> Any:
    """Faust's `broker_credentials` for these settings (None for PLAINTEXT)."""
    import faust

    context = ssl_context(settings)
    if uses_sasl(settings):
        sasl = _sasl(settings)
        return faust.SASLCredentials(
            username=sasl["sasl_plain_username"],
            password=sasl["sasl_plain_password"],
            mechanism=sasl["sasl_mechanism"],
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context is not None else None


def principal(settings: Settings) -> str:
    """Who the broker sees, for error messages."""
    return f"user {settings.sasl_username!r}" if uses_sasl(settings) else "this client"


def check_access(settings: Settings, timeout_s: float = 10.0) -> None:
    """Connect to the first bootstrap server and authenticate as the clients would; KafkaAccessError names what
    failed (nothing listening, an untrusted or misnamed certificate, refused credentials, the wrong protocol).

    The client libraries log such failures and retry until their own timeout (30 s) to raise a bare "unable to
    bootstrap"; one connection made here says why at once."""
    import asyncio

    from aiokafka.conn import create_conn
    from aiokafka.errors import KafkaError as AIOKafkaError

    host, _, port = settings.bootstrap_servers.split(",")[0].strip().rpartition(":")
    where = f"{host}:{port} ({settings.security_protocol})"
    config = {key: value for key, value in aiokafka(settings).items() if key != "bootstrap_servers"}

    async def probe() -> None:
        conn = await asyncio.wait_for(
            create_conn(host, int(port), request_timeout_ms=int(timeout_s * 1000), client_id="khabar-check", **config),
            timeout_s,
        )
        conn.close()

    try:
        asyncio.run(probe())
    except ssl.SSLCertVerificationError as error:
        raise KafkaAccessError(
            f"the certificate of the broker at {where} is not trusted: {error.verify_message}; "
            "set KHABAR_SSL_CAFILE to the CA that signed it (KHABAR_SSL_CHECK_HOSTNAME=false "
            "only if its name is the problem and you accept that risk)"
        ) from error
    except ssl.SSLError as error:
        raise KafkaAccessError(
            f"TLS with the broker at {where} failed: {error.reason or error}; does that port "
            "take TLS? (KHABAR_SECURITY_PROTOCOL)"
        ) from error
    except AIOKafkaError as error:
        if type(error).__name__ == "SaslAuthenticationFailedError" or "authentication" in str(error).lower():
            raise KafkaAccessError(
                f"the broker at {where} refused the {settings.sasl_mechanism} credentials of "
                f"{principal(settings)}: check KHABAR_SASL_USERNAME and the password "
                f"(KHABAR_SASL_PASSWORD_FILE)"
            ) from error
        # Under TLS 1.3 a broker that requires a client certificate accepts the handshake, then closes.
        certificate = (
            ", or a client certificate (KHABAR_SSL_CERTFILE, KHABAR_SSL_KEYFILE)"
            if uses_tls(settings) and not settings.ssl_certfile
            else ""
        )
        raise KafkaAccessError(
            f"the broker at {where} broke off the connection ({type(error).__name__}: {error}): "
            f"does it expect another KHABAR_SECURITY_PROTOCOL or KHABAR_SASL_MECHANISM{certificate}?"
        ) from error
    except (TimeoutError, OSError) as error:
        raise KafkaAccessError(
            f"cannot reach the broker at {where}: {error or 'no answer'} within {timeout_s:.0f}s"
        ) from error


def connect(client_class: Callable[..., Client], settings: Settings, **config: Any) -> Client:
    """A kafka-python client (KafkaAdminClient, KafkaConsumer, KafkaProducer) for `settings`, after
    `check_access`, so that a broker that cannot be reached as configured says why at once."""
    from kafka.errors import KafkaError

    check_access(settings)
    try:
        return client_class(**kafka_python(settings), **config)
    except KafkaError as error:
        raise KafkaAccessError(
            f"cannot connect to Kafka at {settings.bootstrap_servers} ({settings.security_protocol}): {error}"
        ) from error


def messages_to_end(consumer: Any, partitions: list[Any], timeout_s: float | None = None) -> Iterator[Any]:
    """Every message of the assigned `partitions` (kafka-python TopicPartitions) from the consumer's position
    up to where each partition ended when this was called; with `timeout_s`, stops taking more after that."""
    import time

    ends = consumer.end_offsets(partitions)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while any(consumer.position(p) < ends[p] for p in partitions):
        if deadline is not None and time.monotonic() > deadline:
            return
        for partition, messages in consumer.poll(timeout_ms=500).items():
            yield from (message for message in messages if message.offset < ends[partition])

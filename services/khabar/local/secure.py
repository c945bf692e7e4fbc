"""What a secured local broker needs: a throwaway CA and broker certificate, SCRAM users, and least-privilege ACLs.

Made once per broker home with openssl (Kafka reads PEM): `security/ca.pem` is what clients trust
(KHABAR_SSL_CAFILE), `security/<user>.password` holds each user's password (KHABAR_SASL_PASSWORD_FILE). The
client listener takes SASL_SSL only (no plaintext port), with SCRAM-SHA-512 (the brokers' own and the default),
SCRAM-SHA-256 and PLAIN, so that each mechanism a managed Kafka offers is tried. The port after it takes SSL with
a required client certificate (mTLS, as Aiven and Strimzi offer): `security/<user>.pem` is each user's key and
certificate (KHABAR_SSL_CERTFILE), its CN the principal the ACLs name. The controller listener takes SSL with
required client certificates too (KRaft controllers cannot use SCRAM).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from khabar.config import Settings
from khabar.local.broker import BrokerError

MECHANISM = "SCRAM-SHA-512"  # between brokers, and the clients' default
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
# admin: super user (ACLs, topics); broker: the nodes talking to each other; worker and producer: khabar's roles.
USERS = ("admin", "broker", "worker", "producer")
CERTIFIED_USERS = ("admin", "worker", "producer")  # each has a client certificate for the mTLS port too
CERTIFICATE_DAYS = 30
MTLS_PORT_OFFSET = 1  # a node's port + 1 takes TLS with a required client certificate, its CN the principal


@dataclass(frozen=True)
class LocalSecurity:
    dir: Path

    @property
    def ca_file(self) -> Path:
        return self.dir / "ca.pem"

    @property
    def broker_pem(self) -> Path:
        """The broker's unencrypted key and certificate in one file: its keystore, for both listeners."""
        return self.dir / "broker.pem"

    def password_file(self, user: str) -> Path:
        return self.dir / f"{user}.password"

    def password(self, user: str) -> str:
        return self.password_file(user).read_text().strip()

    def create(self) -> None:
        """The CA, the broker's certificate (for IP 127.0.0.1 and localhost), every user's password and the
        client certificates of CERTIFIED_USERS, once."""
        if self.broker_pem.exists():
            if not all(self.certificate(user).exists() for user in CERTIFIED_USERS):
                raise BrokerError(
                    f"{self.dir} was made by an older khabar, without client certificates: stop the broker "
                    f"(khabar kafka down) and remove {self.dir.parent} to make a new one"
                )
            return
        if shutil.which("openssl") is None:
            raise BrokerError("openssl is not on PATH: install it (apt-get install openssl) for a secured broker")
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        for user in USERS:
            path = self.password_file(user)
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(16) + "\n")  # hex: nothing to escape in the storage tool or JAAS
        ca_key = self.dir / "ca.key"
        _openssl(
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            ca_key,
            "-out",
            self.ca_file,
            "-days",
            str(CERTIFICATE_DAYS),
            "-subj",
            "/CN=khabar local CA",
        )
        self._sign(ca_key, self.broker_pem, "broker", "subjectAltName = IP:127.0.0.1, DNS:localhost\n")
        for user in CERTIFIED_USERS:
            self._sign(ca_key, self.certificate(user), user)
        ca_key.unlink()

    def certificate(self, user: str) -> Path:
        """`user`'s unencrypted key and certificate (CN=<user>) in one file, for the mTLS port."""
        return self.dir / f"{user}.pem"

    def _sign(self, ca_key: Path, pem: Path, name: str, extensions: str = "") -> None:
        """A key and a certificate for CN=`name` signed by the CA, written to `pem` (0600)."""
        key, request, certificate, extfile = (self.dir / f"{name}.{kind}" for kind in ("key", "csr", "crt", "ext"))
        extfile.write_text(extensions + "extendedKeyUsage = serverAuth, clientAuth\n")
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", request, "-subj", f"/CN={name}")
        _openssl(
            "x509",
            "-req",
            "-in",
            request,
            "-CA",
            self.ca_file,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            certificate,
            "-days",
            str(CERTIFICATE_DAYS),
            "-extfile",
            extfile,
        )
        pem.touch(mode=0o600)
        pem.write_text(key.read_text() + certificate.read_text())
        for path in (key, request, certificate, extfile, self.dir / "ca.srl"):
            path.unlink(missing_ok=True)

    def broker_properties(self, port: int, controller_port: int) -> dict[str, str]:
        """Overrides of the template's listeners: SASL_SSL for clients and between brokers, mTLS for clients on
        the next port and to controllers."""
        jaas = (
            f'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" '
            f'password="{self.password("broker")}";'
        )
        # PLAIN's users are the listener's JAAS entries (user_<name>="<password>"); SCRAM's live in the metadata.
        plain = "org.apache.kafka.common.security.plain.PlainLoginModule required " + " ".join(
            f'user_{user}="{self.password(user)}"' for user in USERS
        )
        mtls = port + MTLS_PORT_OFFSET
        return {
            "listeners": f"SASL_SSL://127.0.0.1:{port},MTLS://127.0.0.1:{mtls},CONTROLLER://127.0.0.1:{controller_port}",
            "advertised.listeners": f"SASL_SSL://127.0.0.1:{port},MTLS://127.0.0.1:{mtls}",
            "inter.broker.listener.name": "SASL_SSL",
            "listener.security.protocol.map": "CONTROLLER:SSL,SASL_SSL:SASL_SSL,MTLS:SSL",
            "listener.name.mtls.ssl.client.auth": "required",
            "sasl.enabled.mechanisms": ",".join(MECHANISMS),
            "sasl.mechanism.inter.broker.protocol": MECHANISM,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": jaas,
            "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": jaas,
            "listener.name.sasl_ssl.plain.sasl.jaas.config": plain + ";",
            "listener.name.controller.ssl.client.auth": "required",
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.broker_pem),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
            "ssl.principal.mapping.rules": "RULE:^CN=([a-zA-Z0-9.-]*).*$/$1/,DEFAULT",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            # Without its own principal a node never finishes starting.
            "super.users": "User:admin;User:broker",
        }

    def format_options(self) -> list[str]:
        """The SCRAM users, added while formatting the storage (before the first start)."""
        options = []
        for user in USERS:
            for mechanism in (m for m in MECHANISMS if m.startswith("SCRAM-")):
                options += ["--add-scram", f"{mechanism}=[name={user},password={self.password(user)}]"]
        return options

    def certificate_settings(self, settings: Settings, user: str) -> Settings:
        """`settings` as `user` by client certificate (mTLS): SSL, this CA, the user's key and certificate. The
        bootstrap servers are the caller's to point at the mTLS ports."""
        return settings.replace(
            security_protocol="SSL",
            sasl_username="",
            sasl_password="",
            sasl_password_file="",
            ssl_cafile=str(self.ca_file),
            ssl_certfile=str(self.certificate(user)),
            ssl_keyfile="",
        )

    def client_settings(self, settings: Settings, user: str, mechanism: str = MECHANISM) -> Settings:
        """`settings` as `user` on this broker: SASL_SSL, `mechanism`, this CA, the password from its file."""
        return settings.replace(
            security_protocol="SASL_SSL",
            sasl_mechanism=mechanism,
            sasl_username=user,
            sasl_password="",
            sasl_password_file=str(self.password_file(user)),
            ssl_cafile=str(self.ca_file),
            ssl_certfile="",
            ssl_keyfile="",
        )


def _openssl(*args: str | Path) -> None:
    result = subprocess.run(["openssl", *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise BrokerError(f"openssl {args[0]} failed: {result.stderr.strip()}")


def grant_least_privilege(admin_settings: Settings, settings: Settings) -> None:
    """ACLs for khabar's two roles on the topics and consumer group of `settings`, created as `admin_settings`.

    The worker reads the raw topic in its group, writes the enriched and dead-letter topics, and owns the topics
    and transactional ids Faust names after its app id; the producer may only write the raw topic."""
    from kafka import KafkaAdminClient
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ACLResourcePatternType, ResourcePattern, ResourceType

    from khabar import kafka_clients

    def allow(
        user: str,
        operation: ACLOperation,
        kind: ResourceType,
        name: str,
        pattern: ACLResourcePatternType = ACLResourcePatternType.LITERAL,
    ) -> ACL:
        return ACL(f"User:{user}", "*", operation, ACLPermissionType.ALLOW, ResourcePattern(kind, name, pattern))

    topic, group, prefixed = ResourceType.TOPIC, ResourceType.GROUP, ACLResourcePatternType.PREFIXED
    acls = []
    for operation in (ACLOperation.READ, ACLOperation.DESCRIBE):
        acls += [
            allow("worker", operation, topic, settings.raw_topic),
            allow("worker", operation, group, settings.app_id),
        ]
    for operation in (ACLOperation.WRITE, ACLOperation.DESCRIBE):
        acls += [
            allow("worker", operation, topic, settings.enriched_topic),
            allow("worker", operation, topic, settings.deadletter_topic),
            allow("worker", operation, ResourceType.TRANSACTIONAL_ID, f"{settings.app_id}-", prefixed),
            allow("producer", operation, topic, settings.raw_topic),
        ]
    acls.append(allow("worker", ACLOperation.ALL, topic, f"{settings.app_id}-", prefixed))
    admin = kafka_clients.connect(KafkaAdminClient, admin_settings, client_id="khabar-acls")
    try:
        result = admin.create_acls(acls)
    finally:
        admin.close()
    if result["failed"]:
        raise BrokerError(f"the broker refused ACLs: {result['failed'][:3]}")

"""The platform seal's key and certificate (運営者シール), and the roots we trust.

Development (nothing configured): on first use a local CA (「Pocket TECH Advisor 開発用CA」,
10 years) and a seal certificate issued by it (5 years) are created as PEM files under
instance/signing/ (folder 0700, keys 0600; instance/ is never committed); later runs load
them. Two processes starting at once make one CA: creation holds an exclusive lock on
instance/signing/.lock, and each file is published with os.link (never overwritten).

Production (configuration, see README):
- SIGNING_PKCS12_PATH (+ SIGNING_PKCS12_PASSWORD), or SIGNING_KEY_PATH + SIGNING_CERT_PATH
  (+ SIGNING_KEY_PASSWORD, + SIGNING_CHAIN_PATH: the issuing CA certificates as PEM);
- SIGNING_TRUST_ROOTS_PATH: PEM bundle of the roots a seal must chain to for verification
  (without it, the self-signed certificates of the chain);
- SIGNING_PREVIOUS_SEAL_FINGERPRINTS: SHA-256 fingerprints of earlier seal certificates
  (after a renewal, files sealed before still count as ours);
- SIGNING_TSA_URL (optional): RFC 3161 timestamp authority; closed networks may have none.

Key material and passwords are never logged."""
from __future__ import annotations

import asyncio
import fcntl
import hashlib
import ipaddress
import logging
import os
import tempfile
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from asn1crypto import pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.signing.verify import subject_text

log = logging.getLogger(__name__)

ORGANIZATION = "Pocket TECH Advisor"
DEV_CA_NAME = "Pocket TECH Advisor 開発用CA"
DEV_SEAL_NAME = "Pocket TECH Advisor 電子契約 運営者シール"
CA_YEARS, SEAL_YEARS = 10, 5
# Development files under instance/signing/.
CA_CERT, CA_KEY, SEAL_CERT, SEAL_KEY = "ca.pem", "ca-key.pem", "seal.pem", "seal-key.pem"
CONFIG_KEYS = ("SIGNING_PKCS12_PATH", "SIGNING_PKCS12_PASSWORD", "SIGNING_KEY_PATH",
               "SIGNING_KEY_PASSWORD", "SIGNING_CERT_PATH", "SIGNING_CHAIN_PATH",
               "SIGNING_TRUST_ROOTS_PATH", "SIGNING_PREVIOUS_SEAL_FINGERPRINTS",
               "SIGNING_TSA_URL", "TESTING")


class SigningKeyError(RuntimeError):
    """The seal cannot be loaded (configuration or files); the message names the setting,
    never the secret."""


@dataclass(frozen=True)
class SealSigner:
    """What sealing and verification need, loaded once per process."""

    signer: SimpleSigner  # pyHanko signer (key + certificate + chain)
    certificate: asn1_x509.Certificate  # the seal certificate
    trust_roots: tuple[asn1_x509.Certificate, ...]
    fingerprint: str  # SHA-256 of the seal certificate (hex, lower case)
    known_fingerprints: tuple[str, ...]  # this one and earlier seals of ours
    timestamper: TimeStamper | None = None
    source: str = "development"  # development / pkcs12 / pem

    @property
    def subject(self) -> str:
        """「Pocket TECH Advisor 電子契約 運営者シール（Pocket TECH Advisor, JP）」."""
        return subject_text(self.certificate.subject)

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after

    def trust_roots_pem(self) -> bytes:
        """The roots as a PEM bundle (to import into a PDF reader or an NSS database)."""
        return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in self.trust_roots)


def fingerprint(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


_cache: dict[tuple, SealSigner] = {}
_cache_lock = threading.Lock()


def load_signer(app_config: Mapping, instance_path: str | os.PathLike) -> SealSigner:
    """The seal for this configuration (cached per process)."""
    settings = {k: app_config.get(k) for k in CONFIG_KEYS}
    key = (str(instance_path), tuple((k, str(v)) for k, v in settings.items()))
    with _cache_lock:
        loaded = _cache.get(key)
        if loaded is None:
            loaded = _cache[key] = _load(settings, Path(instance_path))
        return loaded


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _load(settings: dict, instance_path: Path) -> SealSigner:
    if settings["SIGNING_PKCS12_PATH"]:
        signer, chain, source = _from_pkcs12(settings), None, "pkcs12"
    elif settings["SIGNING_KEY_PATH"] or settings["SIGNING_CERT_PATH"]:
        signer, chain, source = _from_pem(settings), None, "pem"
    else:
        signer, chain = _development(instance_path / "signing")
        source = "development"
    if settings["SIGNING_TRUST_ROOTS_PATH"]:
        roots = _read_certs(settings["SIGNING_TRUST_ROOTS_PATH"], "SIGNING_TRUST_ROOTS_PATH")
    else:
        certs = chain or list(signer.cert_registry)
        roots = [c for c in certs if c.self_signed in ("maybe", "yes")]
        if not roots:
            log.warning("signing: no trust roots (SIGNING_TRUST_ROOTS_PATH) — seals will "
                        "verify as intact but untrusted")
    own = fingerprint(signer.signing_cert)
    previous = settings["SIGNING_PREVIOUS_SEAL_FINGERPRINTS"] or ()
    if isinstance(previous, str):
        previous = previous.replace(",", " ").split()
    known = (own, *(p.replace(":", "").lower() for p in previous))
    timestamper = _timestamper(settings["SIGNING_TSA_URL"], bool(settings["TESTING"]))
    log.info("signing: seal %s (%s), SHA-256 %s, %d trust root(s), timestamp %s",
             signer.signing_cert.subject.human_friendly, source, own, len(roots),
             "on" if timestamper else "off")
    return SealSigner(signer=signer, certificate=signer.signing_cert, trust_roots=tuple(roots),
                      fingerprint=own, known_fingerprints=known, timestamper=timestamper,
                      source=source)


# --- production ------------------------------------------------------------------------------

def _read(path, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise SigningKeyError(f"{setting}: cannot read {path} ({e.strerror})") from None


def _read_certs(path, setting: str) -> list[asn1_x509.Certificate]:
    try:
        certs = list(load_certs_from_pemder_data(_read(path, setting)))
    except ValueError:
        raise SigningKeyError(f"{setting}: {path} is not a PEM/DER certificate file") from None
    if not certs:
        raise SigningKeyError(f"{setting}: no certificate in {path}")
    return certs


def _password(value) -> bytes | None:
    if not value:
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


def _from_pkcs12(settings: dict) -> SimpleSigner:
    data = _read(settings["SIGNING_PKCS12_PATH"], "SIGNING_PKCS12_PATH")
    chain = (_read_certs(settings["SIGNING_CHAIN_PATH"], "SIGNING_CHAIN_PATH")
             if settings["SIGNING_CHAIN_PATH"] else [])
    try:
        return SimpleSigner.load_pkcs12_data(
            data, other_certs=chain, passphrase=_password(settings["SIGNING_PKCS12_PASSWORD"]))
    except ValueError:
        raise SigningKeyError("SIGNING_PKCS12_PATH: cannot open the PKCS#12 file "
                              "(wrong SIGNING_PKCS12_PASSWORD?)") from None


def _from_pem(settings: dict) -> SimpleSigner:
    if not (settings["SIGNING_KEY_PATH"] and settings["SIGNING_CERT_PATH"]):
        raise SigningKeyError("SIGNING_KEY_PATH and SIGNING_CERT_PATH go together")
    certs = _read_certs(settings["SIGNING_CERT_PATH"], "SIGNING_CERT_PATH")
    chain = (_read_certs(settings["SIGNING_CHAIN_PATH"], "SIGNING_CHAIN_PATH")
             if settings["SIGNING_CHAIN_PATH"] else [])
    try:
        key = load_private_key_from_pemder_data(
            _read(settings["SIGNING_KEY_PATH"], "SIGNING_KEY_PATH"),
            passphrase=_password(settings["SIGNING_KEY_PASSWORD"]))
    except (ValueError, TypeError):
        raise SigningKeyError("SIGNING_KEY_PATH: cannot read the private key "
                              "(wrong SIGNING_KEY_PASSWORD?)") from None
    return _signer(key, certs[0], certs[1:] + chain)


def _signer(key, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]
            ) -> SimpleSigner:
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    return SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=registry)


# --- development CA --------------------------------------------------------------------------

def _development(folder: Path) -> tuple[SimpleSigner, list[asn1_x509.Certificate]]:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    if not all((folder / name).is_file() for name in (CA_CERT, SEAL_CERT, SEAL_KEY)):
        with open(folder / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be creating them
            try:
                _create_missing(folder)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    ca = _read_certs(folder / CA_CERT, "instance/signing/" + CA_CERT)
    seal = _read_certs(folder / SEAL_CERT, "instance/signing/" + SEAL_CERT)
    try:
        key = load_private_key_from_pemder_data((folder / SEAL_KEY).read_bytes(), None)
    except (OSError, ValueError, TypeError):
        raise SigningKeyError(f"cannot read {folder / SEAL_KEY}") from None
    return _signer(key, seal[0], ca), ca


def _create_missing(folder: Path) -> None:
    """Under the lock: the CA if missing, then the seal certificate if missing."""
    if not (folder / CA_CERT).is_file():
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = issue_certificate(DEV_CA_NAME, ca_key.public_key(), None, ca_key, CA_YEARS,
                                    ca=True)
        _publish(folder / CA_KEY, _key_pem(ca_key), 0o600)
        _publish(folder / CA_CERT, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        log.info("signing: created the development CA in %s", folder)
    if not (folder / SEAL_CERT).is_file():
        ca_key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), None)
        ca_cert = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        seal_key = ec.generate_private_key(ec.SECP256R1())
        seal_cert = issue_certificate(DEV_SEAL_NAME, seal_key.public_key(), ca_cert, ca_key,
                                      SEAL_YEARS, ca=False)
        (folder / SEAL_KEY).unlink(missing_ok=True)  # a key left without its certificate
        _publish(folder / SEAL_KEY, _key_pem(seal_key), 0o600)
        _publish(folder / SEAL_CERT, seal_cert.public_bytes(serialization.Encoding.PEM), 0o644)
        log.info("signing: created the development seal certificate in %s", folder)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _publish(target: Path, data: bytes, mode: int) -> None:
    """Write to a temporary file with the final mode, then link it into place: a reader
    never sees half a file, and an existing file is never replaced."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, target)
    finally:
        os.unlink(tmp)


def issue_certificate(common_name: str, public_key, issuer: x509.Certificate | None,
                      issuer_key, years: int, *, ca: bool,
                      organization: str = ORGANIZATION) -> x509.Certificate:
    """A certificate for a CA (self-signed when `issuer` is None) or for a seal
    (digitalSignature + nonRepudiation, no extended key usage: PDF readers accept it)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    issuer_name = issuer.subject if issuer is not None else subject
    builder = (x509.CertificateBuilder()
               .subject_name(subject).issuer_name(issuer_name).public_key(public_key)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(hours=1))
               .not_valid_after(now + timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None),
                              critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                   data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                   crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key),
                              critical=False))
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()),
            critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


# --- RFC 3161 timestamps ---------------------------------------------------------------------

class UrllibTimeStamper(TimeStamper):
    """RFC 3161 client over the standard library (pyHanko's HTTP clients need requests or
    aiohttp, which the app does not otherwise use)."""

    def __init__(self, url: str, timeout: float = 10):
        super().__init__()
        self.url = url
        self.timeout = timeout

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        def post() -> tsp.TimeStampResp:
            request = urllib.request.Request(self.url, data=req.dump(), method="POST",
                                             headers=set_tsp_headers({}))
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    if response.headers.get("Content-Type") != "application/timestamp-reply":
                        raise TimestampRequestError("timestamp server answered no TSP reply")
                    return tsp.TimeStampResp.load(response.read())
            except OSError as e:
                raise TimestampRequestError(f"timestamp server unreachable: {e}") from e

        return await asyncio.to_thread(post)


def _timestamper(url: str | None, testing: bool) -> TimeStamper | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SigningKeyError("SIGNING_TSA_URL must be an http(s) URL")
    if testing and not _loopback(parts.hostname):
        raise SigningKeyError("SIGNING_TSA_URL: tests may only use a loopback timestamp server")
    return UrllibTimeStamper(url)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def current_signer() -> SealSigner:
    """The seal of the current Flask app."""
    from flask import current_app

    return load_signer(current_app.config, current_app.instance_path)

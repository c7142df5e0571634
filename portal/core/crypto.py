"""Personal data encrypted at rest: AES-GCM for the values, HMAC-SHA256 for lookups.

Citizen ID numbers and phone numbers are stored as ``e1:<key id>:<base64 of nonce,
ciphertext and tag>`` (portal/core/fields.py). The keys come from the environment:

- ``FIELD_ENCRYPTION_KEYS``: comma-separated keys, each 32 random bytes in URL-safe
  base64 (``manage.py generate_field_key`` prints one). The first encrypts; every one
  decrypts, so a new key goes first and the old ones stay until ``manage.py
  rotate_field_keys`` has re-encrypted every row. A key's id is derived from the key
  (8 hex digits of a keyed SHA-256), so a ciphertext names the key that opens it.
- ``FIELD_HASH_KEY``: the key of the keyed hash (a blind index) kept beside an
  encrypted column that must be unique or searched by exact value. The input is
  normalized first (``normalize_for_hash``), so "11010519491231002x " and
  "11010519491231002X" hash alike.

With DEBUG on and no variable set (the embedded default), both keys are derived from
SECRET_KEY, so a development database keeps working across restarts; with DEBUG=0 a
missing key is an error (`check` and every read or write say which variable).
An empty value is stored empty (blank fields and "has a phone" filters keep working);
None stays NULL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "e1"
NONCE_BYTES = 12
# Bound to every ciphertext: a value encrypted by another program with the same key
# does not decrypt here.
ASSOCIATED_DATA = b"portal field v1"


class FieldKeyError(ImproperlyConfigured):
    """The keys are missing or malformed."""


class FieldDecryptionError(ValueError):
    """A stored value cannot be decrypted with the configured keys."""


@dataclass(frozen=True)
class FieldKey:
    key_id: str
    aead: AESGCM


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[FieldKey, ...]
    hash_key: bytes
    derived: bool  # development keys derived from SECRET_KEY

    @property
    def current(self) -> FieldKey:
        return self.keys[0]

    def by_id(self, key_id: str) -> FieldKey | None:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        return None


def key_id_of(raw: bytes) -> str:
    return hashlib.sha256(b"portal field key id\0" + raw).hexdigest()[:8]


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _decode_key(text: str, variable: str, position: int) -> bytes:
    try:
        padded = text.strip() + "=" * (-len(text.strip()) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FieldKeyError(
            f"{variable}: key {position} is not URL-safe base64 "
            "(make one with `manage.py generate_field_key`)"
        ) from exc
    if len(raw) != 32:
        raise FieldKeyError(
            f"{variable}: key {position} is {len(raw)} bytes; AES-256 keys are 32 bytes "
            "(make one with `manage.py generate_field_key`)"
        )
    return raw


def _derived(secret: str, purpose: bytes) -> bytes:
    return hmac.new(secret.encode(), purpose, hashlib.sha256).digest()


def problems() -> list[str]:
    """What is wrong with the configured keys, in words (empty when all is well)."""
    try:
        keyring()
    except FieldKeyError as exc:
        return [str(exc)]
    return []


def keyring() -> KeyRing:
    return _build(
        tuple(settings.FIELD_ENCRYPTION_KEYS),
        settings.FIELD_HASH_KEY,
        settings.FIELD_KEYS_DERIVED_IN_DEVELOPMENT,
        settings.SECRET_KEY,
    )


@lru_cache(maxsize=4)
def _build(texts: tuple[str, ...], hash_text: str, development: bool, secret: str) -> KeyRing:
    derived = False
    if texts:
        raws = [_decode_key(t, "FIELD_ENCRYPTION_KEYS", i + 1) for i, t in enumerate(texts)]
    elif development:
        raws = [_derived(secret, b"portal field encryption key (development)")]
        derived = True
    else:
        raise FieldKeyError(
            "FIELD_ENCRYPTION_KEYS is not set: with DEBUG=0 the ID and phone numbers need "
            "an encryption key from the environment (`manage.py generate_field_key`)"
        )
    if hash_text:
        hash_key = _decode_key(hash_text, "FIELD_HASH_KEY", 1)
    elif development:
        hash_key = _derived(secret, b"portal field hash key (development)")
        derived = True
    else:
        raise FieldKeyError(
            "FIELD_HASH_KEY is not set: with DEBUG=0 the keyed hash of the ID numbers needs "
            "its own key from the environment (`manage.py generate_field_key`)"
        )
    keys: list[FieldKey] = []
    for raw in raws:
        key = FieldKey(key_id_of(raw), AESGCM(raw))
        if any(k.key_id == key.key_id for k in keys):
            raise FieldKeyError("FIELD_ENCRYPTION_KEYS lists the same key twice")
        keys.append(key)
    return KeyRing(tuple(keys), hash_key, derived)


def is_encrypted(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX + ":")


def key_id_in(value: str) -> str:
    """The id of the key a stored value was encrypted with ("" for an empty value)."""
    if not value:
        return ""
    parts = value.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise FieldDecryptionError("the stored value is not encrypted (run `manage.py migrate`)")
    return parts[1]


def encrypt(plaintext: str | None, ring: KeyRing | None = None) -> str | None:
    if plaintext is None or plaintext == "":
        return plaintext
    key = (ring or keyring()).current
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, plaintext.encode("utf-8"), ASSOCIATED_DATA)
    return f"{PREFIX}:{key.key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(stored: str | None, ring: KeyRing | None = None) -> str | None:
    if stored is None or stored == "":
        return stored
    key_id = key_id_in(stored)
    ring = ring or keyring()
    key = ring.by_id(key_id)
    if key is None:
        raise FieldDecryptionError(
            f"this value was encrypted with key {key_id}, which is not among "
            f"FIELD_ENCRYPTION_KEYS (known: {', '.join(k.key_id for k in ring.keys)}); "
            "put the old key back after the new one"
        )
    try:
        blob = base64.b64decode(stored.split(":", 2)[2], validate=True)
        return key.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], ASSOCIATED_DATA).decode(
            "utf-8"
        )
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise FieldDecryptionError(
            f"a value encrypted with key {key_id} does not open with that key: "
            "the key is wrong or the stored value was altered"
        ) from exc


def normalize_for_hash(kind: str, value: str) -> str:
    """ID numbers as the validators store them (NFKC, no white space, upper case);
    phone numbers as their digits."""
    text = unicodedata.normalize("NFKC", value or "")
    if kind == "phone":
        return "".join(c for c in text if c.isdigit())
    return "".join(text.split()).upper()


def blind_index(kind: str, value: str | None, ring: KeyRing | None = None) -> str:
    """HMAC-SHA256 of the normalized value, hex; "" for an empty value."""
    normalized = normalize_for_hash(kind, value or "")
    if not normalized:
        return ""
    key = (ring or keyring()).hash_key
    message = f"{kind}\0{normalized}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()

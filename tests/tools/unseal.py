#!/usr/bin/env python3
"""unseal.py SEAL_KEY_FILE SEALED_FILE: print a sealed key file's contents.

An implementation of the sealed file format of docs/SECURITY.md ("Sealed key
files") apart from src/sealfile.c, with python3-cryptography: the key
material through HKDF-SHA256 (salt "hotline seal key v1", info
"key-encryption key"), then AES-256-GCM over "HLSEALED" | 0x01 | nonce |
ciphertext | tag with the magic, the version byte and the file's base name
as additional data. Tests use it to read what the node sealed, and to check
that the format is what the documentation says.
"""
import os
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"HLSEALED"


def unseal(material, sealed, role):
    if len(material) < 32:
        raise ValueError("seal key material shorter than 32 bytes")
    if sealed[:8] != MAGIC or len(sealed) < 8 + 1 + 12 + 16:
        raise ValueError("not a sealed file")
    if sealed[8] != 1:
        raise ValueError("unknown sealed file version %d" % sealed[8])
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"hotline seal key v1",
               info=b"key-encryption key").derive(material)
    nonce = sealed[9:21]
    return AESGCM(kek).decrypt(nonce, sealed[21:], MAGIC + b"\x01" + role.encode())


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: unseal.py SEAL_KEY_FILE SEALED_FILE\n")
        return 2
    material = open(sys.argv[1], "rb").read()
    sealed = open(sys.argv[2], "rb").read()
    sys.stdout.buffer.write(unseal(material, sealed, os.path.basename(sys.argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Mints an RS256 bearer token from the test key (tests/fixtures/auth/rsa-private.pem, kid
test-rsa) for auth-on load runs: `AUTH=$(python3 bench/mint_token.py)` with
`SERVE_ARGS="--jwks tests/fixtures/auth/jwks.json"`. Needs Python `cryptography`. Test key only."""
import base64, json, pathlib, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

root = pathlib.Path(__file__).resolve().parent.parent
key = serialization.load_pem_private_key(
    (root / "tests/fixtures/auth/rsa-private.pem").read_bytes(), password=None)
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "RS256", "kid": "test-rsa", "typ": "JWT"}).encode())
claims = b64(json.dumps({"sub": "load", "azp": "bench", "scope": "system/*.read",
                         "exp": int(time.time()) + 7200}).encode())
signing = f"{header}.{claims}".encode()
sig = key.sign(signing, padding.PKCS1v15(), hashes.SHA256())
print(f"{header}.{claims}.{b64(sig)}")

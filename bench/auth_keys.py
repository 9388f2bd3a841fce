"""API-key verification cost: the keyed HMAC the platform uses vs. an argon2 password hash (baseline).

Why a keyed hash: a business system calls the check API on every procurement or bidding step; a
password hash (deliberately slow) would dominate each call's latency. Prints both per-verification
times measured in the same run.

    python bench/auth_keys.py            # 20 000 HMAC verifications, 50 argon2 verifications
    python bench/auth_keys.py --smoke    # tiny sizes for CI (no figures recorded)
"""

from __future__ import annotations

import argparse
import platform
import secrets
import time

from argon2 import PasswordHasher

from xinyong.kit import crypto


def _per_call(fn: object, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hmac", type=int, default=20_000)
    parser.add_argument("--argon2", type=int, default=50)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    n_hmac, n_argon = (200, 2) if args.smoke else (args.hmac, args.argon2)

    key = f"xyk_{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    stored = crypto.lookup_hash(key, purpose="api-key")
    hasher = PasswordHasher()
    argon_stored = hasher.hash(key)

    hmac_s = _per_call(
        lambda: secrets.compare_digest(stored, crypto.lookup_hash(key, purpose="api-key")), n_hmac
    )
    argon_s = _per_call(lambda: hasher.verify(argon_stored, key), n_argon)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    print(f"keyed HMAC-SHA256 verify : {hmac_s * 1e6:9.1f} µs/call  (n={n_hmac})")
    print(f"argon2id verify (baseline): {argon_s * 1e6:9.1f} µs/call  (n={n_argon})")
    print(f"ratio                     : {argon_s / hmac_s:9.0f} ×")


if __name__ == "__main__":
    main()

"""Password hashing (argon2id via argon2-cffi) and the password policy.

argon2-cffi is the reference binding of the Password Hashing Competition winner and is kept up to
date; its defaults (RFC 9106 "low memory" profile) are deliberately slow, which is right for a login
and wrong for an API key (those use a keyed HMAC, see auth.service).
"""

from __future__ import annotations

import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

#: Passwords refused whatever the policy says (well-known defaults and their variants).
COMMON = frozenset(
    {
        "admin",
        "administrator",
        "password",
        "changeme",
        "admin123",
        "admin@123",
        "123456",
        "12345678",
        "123456789",
        "qwerty",
        "xinyong",
        "p@ssw0rd",
        "passw0rd",
        "password1",
        "admin@12345",
    }
)

#: A hash of a random string: verifying against it makes an unknown user cost as much as a known one.
_DUMMY = _hasher.hash("not-a-real-account-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend a verification's time for a user that does not exist (no timing oracle on usernames)."""
    verify_password(_DUMMY, password)


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def _classes(password: str) -> int:
    groups = (string.ascii_uppercase, string.ascii_lowercase, string.digits)
    n = sum(any(c in g for c in password) for g in groups)
    return n + any(not c.isalnum() for c in password)


def policy_problems(password: str, *, username: str, min_length: int, min_classes: int) -> list[str]:
    """Why ``password`` breaks the policy (Chinese, one line each); empty when it is acceptable."""
    problems = []
    if len(password) < min_length:
        problems.append(f"密码至少 {min_length} 个字符")
    if _classes(password) < min_classes:
        problems.append(f"密码须包含大写字母、小写字母、数字、符号中的至少 {min_classes} 类")
    lowered = password.lower()
    if username and username.lower() in lowered:
        problems.append("密码不得包含用户名")
    if lowered in COMMON or lowered.rstrip("!@#$%0123456789") in COMMON:
        problems.append("密码过于常见")
    return problems

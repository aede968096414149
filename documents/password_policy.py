"""The password policy: long enough, and not a password an attacker tries first — the username,
a run of one character, a repeated pattern, a keyboard or alphabet sequence, or a common password
(common_passwords.txt, matched also after undoing l33t spelling and trailing digits)."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from .errors import InvalidData

MIN_LENGTH = 10
MAX_LENGTH = 1000  # what the login form and the API accept
# Characters a guesser cannot predict from the one before (see _unpredictable): "1234567890" has 1,
# "abcdef123456" 2, "aaaaabbbbb" 2, a real passphrase a dozen.
MIN_UNPREDICTABLE = 5
# Typed without thinking, forwards or backwards: neighbours here are predictable from each other.
SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "01234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",
             "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
                       "$": "s", "!": "i", "+": "t"})
_COMMON = Path(__file__).resolve().parent / "common_passwords.txt"


def check(password: str, username: str = "") -> None:
    """Raise InvalidData (Vietnamese message, on the field "password") when the policy refuses."""
    problem = problem_of(password, username)
    if problem:
        raise InvalidData(problem, {"password": problem})


def problem_of(password: str, username: str = "") -> str | None:
    """Why the policy refuses ``password`` for ``username``, or None when it accepts it."""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."
    text = unicodedata.normalize("NFC", password).casefold()
    name = unicodedata.normalize("NFC", username).strip().casefold()
    if len(name) >= 3 and (name in text or name[::-1] in text):
        return "Mật khẩu không được chứa tên đăng nhập."
    if _repeats_a_pattern(text) or _unpredictable(text) < MIN_UNPREDICTABLE:
        return ("Mật khẩu quá đơn giản (ký tự lặp lại, dãy liên tiếp như 1234567890 hay abcdefgh); "
                "hãy dùng một cụm từ dài hơn, khó đoán hơn.")
    if _is_common(text):
        return "Mật khẩu này quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."
    return None


def _is_common(text: str) -> bool:
    # "Password2026!" and "p@ssw0rd123" are "password" to a guesser: try the text without the
    # digits and symbols around it, then with l33t spelling undone, then without them again.
    plain = {text, _strip(text)}
    undone = {candidate.translate(_LEET) for candidate in plain}
    candidates = plain | undone | {_strip(candidate) for candidate in undone}
    return not candidates.isdisjoint(common_passwords())


def _strip(text: str) -> str:
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", text)


def _repeats_a_pattern(text: str) -> bool:
    """"abcabcabca", "1212121212": the text is a shorter unit repeated."""
    return any(text == (text[:size] * (len(text) // size + 1))[:len(text)]
               for size in range(1, len(text) // 2 + 1))


@lru_cache(maxsize=1)
def _neighbours() -> frozenset[tuple[str, str]]:
    pairs = set()
    for sequence in SEQUENCES:
        pairs |= {(a, b) for a, b in zip(sequence, sequence[1:])}
        pairs |= {(b, a) for a, b in zip(sequence, sequence[1:])}
    return frozenset(pairs)


def _unpredictable(text: str) -> int:
    """Characters that neither repeat the previous one nor are its neighbour in a sequence."""
    neighbours = _neighbours()
    return sum(1 for i, char in enumerate(text)
               if i == 0 or (char != text[i - 1] and (text[i - 1], char) not in neighbours))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))

"""Input limits: what a message must be before anything reads it."""

from __future__ import annotations

import re
import unicodedata

from .errors import InputError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_message(text: str, max_chars: int) -> str:
    """The message, tidied (NFC, no control characters); a clear error if it can't be taken."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text or "")).strip()
    if not cleaned:
        raise InputError("The message is empty: type a question or what is on your mind.")
    if len(cleaned) > max_chars:
        raise InputError(
            f"The message is {len(cleaned):,} characters; the limit is {max_chars:,}. "
            "Shorten it or send it in parts."
        )
    return cleaned

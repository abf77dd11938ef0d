"""Safety before anything else: input limits, and the fixed replies of the care check."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import cache
from importlib.resources import files
from typing import Any

from .care import CARE, CHECK_IN, CareVerdict
from .errors import InputError
from .prompts import render

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ufeff]")  # control, zero-width and bidi override chars


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


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(files("assistant").joinpath("data", name).read_text(encoding="utf-8"))


@cache
def crisis_regions() -> list[str]:
    return list(_data("crisis_resources.toml"))


def crisis_resources(region: str) -> list[str]:
    regions = _data("crisis_resources.toml")
    chosen = regions.get(region.upper()) or regions["INTERNATIONAL"]
    return list(chosen["resources"])


def care_reply(verdict: CareVerdict, region: str) -> str:
    """The fixed, reviewed reply to a crisis or an acute sign: care and resources, nothing
    else, and nothing that goes along with what was asked."""
    resources = crisis_resources(region)
    if verdict.level == CARE:
        return render("care_reply", resources=resources)
    if verdict.level == CHECK_IN:
        return render("check_in_reply", resources=resources)
    return render("crisis_reply", kind=verdict.kind, resources=resources)


def resources_markdown(region: str) -> str:
    lines = "\n".join(f"- {line}" for line in crisis_resources(region))
    return f"#### If you are in danger or thinking of ending your life\n\n{lines}"

"""Text normalisation shared by quote checks and eval matching."""

import re

_TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
                              "–": "-", "—": "-", "\u00a0": " "})


def blockquote(text: str) -> str:
    """Text as a Markdown block quote, its paragraphs kept."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def normalize(text: str) -> str:
    """Fold case, typographic quotes and dashes, and runs of whitespace."""
    return re.sub(r"\s+", " ", text.translate(_TYPOGRAPHIC)).strip().casefold()

"""Text normalisation shared by quote checks and eval matching."""

import re

_TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
                              "–": "-", "—": "-", "\u00a0": " "})


def normalize(text: str) -> str:
    """Fold case, typographic quotes and dashes, and runs of whitespace."""
    return re.sub(r"\s+", " ", text.translate(_TYPOGRAPHIC)).strip().casefold()

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


def collapse_repeats(text: str, longest: int = 6) -> str:
    """A run of the same words said again and again, once: "so tired so tired so tired" is
    emphasis, and a vector of the repeated run drifts far from what it means."""
    words = text.split()
    for n in range(1, longest + 1):
        out: list[str] = []
        for word in words:
            out.append(word)
            if len(out) >= 2 * n and [w.lower().strip(",.!?") for w in out[-n:]] == [
                    w.lower().strip(",.!?") for w in out[-2 * n:-n]]:
                del out[-n:]
        words = out
    return " ".join(words)

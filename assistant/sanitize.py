"""One sanitiser for every text the page renders, whoever wrote it (a person, a document or a
model): nothing left in it can make the browser fetch, load or run anything."""

from __future__ import annotations

import re

HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|file|data|javascript):[^>\s]*)>", re.I)
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<![^>]*>|<\?[^>]*>", re.S)
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)|!\[([^\]]*)\]\[[^\]]*\]")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\[[^\]]*\]")
LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.M)
BARE_URL = re.compile(r"\b(?:(?:https?|ftp|file|data|javascript):|www\.)[^\s`<>]+", re.I)


def page_text(text: str) -> str:
    """Text safe to render as Markdown: no HTML (tags and comments go, a stray `<` is shown as
    "‹"), images become their alt text, links their words, bare addresses plain code."""
    text = HTML_COMMENT.sub("", text)
    text = AUTOLINK.sub(r"\1", text)
    text = HTML_TAG.sub("", text)
    text = IMAGE.sub(lambda m: m.group(1) or m.group(2) or "", text)
    text = LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = LINK_DEFINITION.sub("", text)
    text = re.sub(r"<(?=[a-zA-Z!?/])", "‹", text)  # what is left could still open a tag
    return BARE_URL.sub(lambda m: f"`{m.group(0)}`", text)

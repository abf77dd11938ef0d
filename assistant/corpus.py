"""Load essays (.md, .txt, .html, .pdf); split them by heading into passages; find invitations."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml
from langchain_text_splitters import (
    ExperimentalMarkdownSyntaxTextSplitter,
    RecursiveCharacterTextSplitter,
)

from .errors import CorpusError

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf"}
INVITATION_MARK = re.compile(r"^\s*(?:~\s*)?invitation\s*[~:]?\s*$", re.IGNORECASE)
OPENING_QUOTES = ("“", '"', "‘")
HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
INVITATIONS_DIR = "invitations"


@dataclass(frozen=True)
class Passage:
    """One indexed piece of an essay; `score` is set when it comes back from a search."""

    id: str
    essay: str
    section: str
    kind: str  # "prose" or "invitation"
    text: str
    source: str
    position: int
    score: float = 0.0
    flagged: str = ""  # why it reads like instructions to a model, if it does

    def metadata(self) -> dict[str, str | int]:
        return {"essay": self.essay, "section": self.section, "kind": self.kind,
                "source": self.source, "position": self.position, "flagged": self.flagged}


@dataclass
class Essay:
    title: str
    source: str
    markdown: str  # body with headings marked as Markdown, the essay's words unchanged


@dataclass
class CorpusReport:
    essays: list[Essay] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


MAX_DOCUMENT_BYTES = 50 * 1024 * 1024  # a book is a few MB; beyond this it is not an essay


def load_corpus(corpus_dir: Path, max_bytes: int = MAX_DOCUMENT_BYTES) -> CorpusReport:
    """Read every supported file under `corpus_dir`; odd files are skipped with a reason, and
    no single file (too large, or one that breaks its parser) stops the others."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"The corpus folder {corpus_dir} does not exist. "
                          "Create it and put .md, .txt, .html or .pdf essays in it.")
    report = CorpusReport()
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir).as_posix()
        if any(part.startswith(".") for part in path.relative_to(corpus_dir).parts):
            continue
        if path.is_symlink():
            report.skipped.append((relative, "symbolic link (not followed)"))
            continue
        if path.is_dir():
            continue
        if path.suffix.lower() not in SUFFIXES:
            report.skipped.append((relative, f"unsupported file type {path.suffix or '(none)'}"))
            continue
        if (size := path.stat().st_size) > max_bytes:
            report.skipped.append((relative, f"too large ({size / 2**20:.0f} MB; the limit is "
                                             f"{max_bytes / 2**20:.0f} MB)"))
            continue
        try:
            essay = read_essay(path, relative)
        except (UnicodeDecodeError, ValueError, OSError, yaml.YAMLError) as exc:
            ours = type(exc) is ValueError and str(exc)  # a reason written here, say it
            report.skipped.append((relative, f"unreadable: {exc if ours else type(exc).__name__}"))
            continue
        if not essay.markdown.strip():
            report.skipped.append((relative, "no text"))
            continue
        report.essays.append(essay)
    return report


def read_essay(path: Path, relative: str) -> Essay:
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _read_html(path, relative)
    if suffix == ".pdf":
        return _read_pdf(path, relative)
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ValueError("binary content")
    post = frontmatter.loads(raw.decode("utf-8"))
    body = post.content
    footer = post.metadata.get("footer")
    if isinstance(footer, str) and footer in body:
        body = body[: body.index(footer)]
    sections = post.metadata.get("sections")
    if isinstance(sections, list):
        body = _mark_headings(body, [str(s) for s in sections])
    body = _underlined_headings(body)
    title = str(post.metadata.get("title") or _first_heading(body) or path.stem)
    if relative.startswith(INVITATIONS_DIR + "/"):
        return _invitation_file(post.metadata, body, title, relative)
    return Essay(title, relative, body)


def _invitation_file(meta: dict[str, object], body: str, title: str, relative: str) -> Essay:
    """A file under corpus/invitations/: front matter (title, essay, section, questions), then
    the practice. It becomes one invitation passage of its source essay."""
    questions = meta.get("questions")
    asked = "\n\n".join(str(q) for q in questions) if isinstance(questions, list) else ""
    section = str(meta.get("section") or title)
    practice = "\n\n".join(part for part in (body.strip(), asked) if part)
    essay = str(meta.get("essay") or title)
    return Essay(essay, relative, f"## {section}\n\n~ Invitation:\n\n{practice}\n")


def _mark_headings(body: str, sections: list[str]) -> str:
    """Turn the lines named in front matter into Markdown headings; nothing else changes."""
    wanted = {s.strip() for s in sections}
    lines = ["## " + line if line.strip() in wanted else line for line in body.split("\n")]
    return "\n".join(lines)


# A title's underline (and overline): one punctuation mark, three times or more, as Markdown's
# "Title\n=====" and reStructuredText's "Title\n-----", "*****\nTitle\n*****" write them.
UNDERLINE = re.compile(r"^([=\-~^*#+`:'\"._])\1{2,}\s*$")


def _underlined_headings(body: str) -> str:
    """Underlined titles made "#" headings, a level for each kind of line in the order they
    first appear (as reStructuredText reads them), so that a plain-text or reStructuredText
    document is split into its sections as a Markdown one is; nothing else changes."""
    lines = body.split("\n")
    levels: dict[str, int] = {}
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        under = lines[i + 1] if i + 1 < len(lines) else ""
        over = out[-1] if out else ""
        if (line.strip() and (not line[0].isspace() or UNDERLINE.match(over)) and len(line) <= 100
                and not UNDERLINE.match(line) and (mark := UNDERLINE.match(under))
                and len(under.strip()) >= min(len(line.strip()), 3)
                and (not over.strip() or UNDERLINE.match(over))):
            style = mark.group(1) * (2 if UNDERLINE.match(over) else 1)
            if UNDERLINE.match(over):
                out.pop()  # the overline
            level = levels.setdefault(style, min(len(levels) + 1, 3))
            out.append(f"{'#' * level} {line.strip()}")
            i += 2
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _first_heading(markdown: str) -> str | None:
    match = re.search(r"^#{1,3}\s+(.+)$", markdown, re.MULTILINE)
    return match.group(1).strip() if match else None


def _read_html(path: Path, relative: str) -> Essay:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    for tag in soup(["script", "style", "nav", "footer", "header"]):
        tag.decompose()
    blocks = []
    for tag in soup.find_all(["h1", "h2", "h3", "p", "li", "blockquote"]):
        text = " ".join(tag.get_text(" ").split())
        if text:
            level = int(tag.name[1]) if tag.name.startswith("h") else 0
            blocks.append(("#" * level + " " + text) if level else text)
    title_tag = soup.find("title")
    title = title_tag.get_text().strip() if title_tag else _first_heading("\n".join(blocks))
    return Essay(title or path.stem, relative, "\n\n".join(blocks))


def _read_pdf(path: Path, relative: str) -> Essay:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except PdfReadError as exc:
        raise ValueError(f"not a readable PDF ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - a malformed PDF can raise anything inside pypdf
        raise ValueError(f"PDF that breaks the reader ({exc.__class__.__name__})") from exc
    return Essay(str(title), relative, text)


def split_essay(essay: Essay, chunk_size: int = 700, chunk_overlap: int = 80) -> list[Passage]:
    """Passages of one essay: per section, invitations kept whole, prose split by size."""
    sections = ExperimentalMarkdownSyntaxTextSplitter(HEADERS, strip_headers=True)
    prose = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap,
        separators=["\n\n", "\n", ". ", " ", ""], keep_separator="end",
    )
    pieces: list[tuple[str, str, str]] = []  # (section, kind, text)
    for doc in sections.split_text(essay.markdown):
        section = next((doc.metadata[k] for k in ("h3", "h2", "h1") if k in doc.metadata), "")
        for kind, block in _blocks(doc.page_content):
            texts = [block] if kind == "invitation" else prose.split_text(block)
            pieces.extend((section, kind, t.strip()) for t in texts if t.strip())
    seen: Counter[str] = Counter()
    passages = []
    for position, (section, kind, text) in enumerate(pieces):
        key = f"{essay.source}\x00{section}\x00{kind}\x00{text}"
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\x00{seen[key]}".encode()).hexdigest()[:32]
        passages.append(Passage(digest, essay.title, section, kind, text, essay.source, position,
                                flagged=instruction_like(text)))
    return passages


INSTRUCTION_LIKE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+|the\s+|your\s+)?"
    r"(?:previous|prior|above|earlier|other)\s+(?:instructions|rules|prompts?|messages)"
    r"|\b(?:system|developer)\s+(?:prompt|message|instructions?)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm)\b"
    r"|\b(?:as\s+an\s+ai|the\s+assistant\s+(?:must|should|will))\b"
    r"|\b(?:reply|respond|answer)\s+only\s+with\b"
    r"|\balways\s+(?:say|include|end|reply|respond|mention)\b"
    r"|\b(?:end|begin|start|finish|sign)\s+(?:your|every|each|the|all)\s+(?:answers?|replies|"
    r"reply|responses?|messages?)\b"
    r"|\b(?:include|say|print|output|repeat|write)\s+(?:the\s+)?(?:word|phrase|code|text)\s"
    r"|<\|(?:im_start|im_end|system|user|assistant|endoftext)\|>|\[/?INST\]|###\s*instruction",
    re.IGNORECASE)


def instruction_like(text: str) -> str:
    """Why a passage reads like instructions to a model ("" when it does not)."""
    match = INSTRUCTION_LIKE.search(text)
    return f"reads like an instruction to a model: {match.group(0)!r}" if match else ""


def _blocks(text: str) -> Iterable[tuple[str, str]]:
    """Split a section into prose runs and invitations (marker line dropped, practice kept)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    prose: list[str] = []
    i = 0
    while i < len(paragraphs):
        if not INVITATION_MARK.match(paragraphs[i]):
            prose.append(paragraphs[i])
            i += 1
            continue
        if prose:
            yield "prose", "\n\n".join(prose)
            prose = []
        rest = paragraphs[i + 1:]
        # A quoted practice right after the marker is the whole invitation; else it runs on.
        take = 1 if rest and rest[0].lstrip().startswith(OPENING_QUOTES) else len(rest)
        if take:
            yield "invitation", "\n\n".join(rest[:take])
        i += 1 + take
    if prose:
        yield "prose", "\n\n".join(prose)


def corpus_passages(report: CorpusReport, chunk_size: int, chunk_overlap: int) -> list[Passage]:
    return [p for essay in report.essays for p in split_essay(essay, chunk_size, chunk_overlap)]

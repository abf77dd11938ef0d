"""A map of the corpus's ideas, built from the text at ingest.

The local model reads each passage once and names the ideas it develops; a name is kept only
when the passage says it in those words (matched on word stems, so "needs" is "need"). Names
for the same idea are joined, the ideas most passages name are kept, and each gets:

- a definition that is a sentence of the text, verbatim and checked (never the model's words),
  chosen by how it reads (the idea as the subject of "is", "means", "begins with"...) and by
  how close it is to the idea in the embeddings the index already uses;
- the passages that say what it is (the definition's, then those that open a sentence with
  it and say what it is; not every passage that names it);
- links to other ideas, each with the sentences of the text that name both.

What the model said of each passage is cached beside the index by passage id (passage ids are
hashes of their text), so a re-ingest reads only passages that are new, and nothing when no
document changed. Nothing a person writes goes in: only the corpus.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from .corpus import Passage
from .llm import ChatModel, Message

log = logging.getLogger(__name__)

VERSION = 4  # of the cache file and the way proposals are asked for; a change re-reads all
MAX_WORDS = 4  # in a concept's name
TERM_WORDS = 6  # in a term the text defines in quotes ('"work based on the Program"')
PER_PASSAGE = 3  # names asked for per passage
PASSAGES_SHOWN = 3  # passages listed under a concept
EVIDENCE_SHOWN = 2  # sentences listed under a link
SAVE_EVERY = 8  # passages read between saves: a killed build keeps what it read

def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that begin a name without being part of the idea ("our needs" is "needs").
LEADING = _listed(
    "a an the our your their my his her its this that these those each every some "
    "any one more most true real"
)
# Stems of words too general to be an idea on their own (a name of one such word is dropped).
GENERIC = _listed(
    "peopl person thing way time life world moment other process idea point part "
    "place lot kind someon everyon anyon day year question answer reason fact case "
    "exampl step side level sens"
)
STOPWORDS = _listed(
    "a an the and or of to in on for with without by from as at into not no is are "
    "be being been was were it its this that than then so but if we you they i he "
    "she them us our your their my something anything everything nothing someone "
    "anyone everyone"
)

SYSTEM = (
    "You make the index at the back of a book. Given one passage, list the ideas it develops: "
    "concepts a reader would look up, named with the passage's own words (one to three words "
    "each), the most important first, at most three. Never people, places, titles, shows or "
    "brands."
)
# One worked example, on a text written for this prompt (not from any corpus).
EXAMPLE_PASSAGE = (
    "A commons is not a free-for-all. It is land, water or knowledge that a group keeps "
    "together, by rules its members make and mend. Stewardship, not ownership, is what holds "
    "it: each user takes care of what the next user will need."
)
EXAMPLE_IDEAS = "- commons\n- stewardship\n- ownership\n"
GRAMMAR = (
    'root ::= item item? item?\n'
    'item ::= "- " word (" " word)? (" " word)? "\\n"\n'
    "word ::= [a-zA-Z] [a-zA-Z'’-]*\n"
)

DEFINING = re.compile(  # the idea as the subject of a sentence that says what it is
    r"^[\s\"”’]*(?:is|isn’t|isn't|is not|are|aren’t|means|doesn’t mean|does not mean|begins|"
    r"shall mean|shall include|shall not include|refers to|is defined as|"  # the legal forms
    r"(?:\([^)]{0,30}\)\s*)?shall mean|"
    r"doesn’t begin|does not begin|calls for|thrives|allows)\b|^\s*[—:]\s*\w|"
    r"^[\s\"”’]*,\s*which (?:means|is)\b|"  # 'a kind of "copyleft", which means'
    # the legal form with what it is of ('"Minimal Corresponding Source" for a Combined Work
    # means')
    r"^[\s\"”’]*(?:for|of|in|under) (?:an?|the|this|that|any|each) [\w\s]{1,30}?\b(?:means|is|"
    r"refers to|shall mean)\b")
# A quoted term as a licence wraps it, over a line break ('the "Linked\nVersion"').
QUOTED_WRAPPED = re.compile(r"[\"“]([^\"”]{1,60})[\"”]")
# A term the text names with "called" ('is called "Opaque"', 'also called the "Linked Version"')
# or "the term" ('included ... in the term "modification"')
CALLED = re.compile(r"\b(?:(?:is|are|be|was|were)\s+(?:also\s+)?called|(?:in\s+)?the\s+term)\s+"
                    r"(?:an?\s+|the\s+)?$")
# A list's letter or number standing alone ("a.", "(ii)", "3)").
LIST_MARK = re.compile(r"\(?(?:[a-z]|[ivx]{1,4}|\d{1,2})[.)]")
# A term defined without quotes at the start of a definitions list's item ("a. Adapted
# Material means ...", "Licensor means ..."): words each capitalised, then "means".
UNQUOTED_TERM = re.compile(r"^\s*(?:\(?(?:[a-z]|[ivx]{1,4}|\d{1,2}(?:\.\d{1,2})*)[.)]\s+)?"
                           r"([A-Z][\w’'-]*(?:\s+(?:[A-Z][\w’'-]*|of|and|or|the)){0,4})"
                           r"\s+(?:means|shall mean|refers to)\b")
# A term named in brackets after the words that make it ('... the person associating CC0 with a
# Work (the "Affirmer")', '(each, a "Work")', '("Commons")'): the sentence is its definition.
NAMED_AFTER = re.compile(r"\((?:the|each(?:\s+and\s+all)?,?\s+an?|an?)?\s*"
                         r"[\"“]([^\"”]{1,60})[\"”]\)")
# A numbered section's title run into its paragraph ("2. Waiver. To the greatest extent ..."):
# a few words, each of weight capitalised, then a sentence.
INLINE_TITLE = re.compile(r"^\s*\d{1,2}\.\s+((?:[A-Z][\w’'-]*|of|and|or|the|to|in|for|on|a|an)"
                          r"(?:\s+(?:[A-Z][\w’'-]*|of|and|or|the|to|in|for|on|a|an)){0,5})\.\s+"
                          r"(?:[A-Z]|[a-z]\)\s)")
# A numbered section's title on a line of its own ("4. Combined Works.", "2. VERBATIM COPYING"):
# the provisions of a licence or a manual are known by them.
SECTION_TITLE = re.compile(
    r"^\s*\d{1,2}\.\s+([A-Z][A-Za-z’',-]*(?:\s+[A-Za-z0-9’',-]+){0,9})\.?\s*$")
# A title that names a thing ("Binary Data", "Key Functions", "Non-blocking Sockets"): a few
# words, not a doing ("Creating a Socket"), a question ("When Sockets Die", "What We've Been
# Taught") or a phrase with a preposition ("Spaces for Vulnerability", "The Myth of ...").
NAMING_TITLE = re.compile(
    r"^(?!(?:what|how|why|when|where|who|which|the|a|an|your|my|our|their|its|from|to|in|on|"
    r"for|with|about|beyond|toward|towards|is|are|do|does|can|should)\b)"
    r"(?!.*\s(?:of|for|from|to|in|on|with|by|about|is|are)\b)"
    r"(?![A-Za-z]*ing\b)[A-Za-z][\w’'-]*(?:\s+[A-Za-z][\w’'-]*){0,2}$", re.I)
TITLE_PARTS = re.compile(r"\s+(?:and|&)\s+")  # "Sort Stability and Complex Sorts": two ideas
# Titles that name a part of the document, not an idea ("0. Additional Definitions.").
DOCUMENT_PARTS = _listed("definit preambl introduct appendix content applic note summari miscellan "
                         "histori background overview basic exampl refer conclus")
# Where a long title's head ends ("Revised Versions of the GNU ... License": "Revised Versions").
TITLE_HEAD = re.compile(r"\s+(?:of|to|from|for|with|in|on|and)\s+", re.I)
SENTENCE_END = re.compile(r"(?<=[.!?])[”\"’)]?\s+(?=[“\"‘(]?[A-Z0-9])")


@dataclass(frozen=True)
class Quote:
    """Words of the corpus, verbatim, with the passage they are in."""

    text: str
    passage: str  # passage id
    essay: str
    section: str


@dataclass(frozen=True)
class Concept:
    name: str
    definition: Quote
    passages: tuple[Quote, ...]  # the passages that say what it is (their whole text)
    named_by: int  # how many passages the model read it in
    mentions: int  # how many passages say it
    invitation: str | None = None  # id of the invitation that speaks of it, if one does
    also: tuple[str, ...] = ()  # other names it goes by in the text


@dataclass(frozen=True)
class Link:
    a: str
    b: str
    evidence: tuple[Quote, ...]  # sentences of the text that name both


@dataclass
class ConceptMap:
    concepts: list[Concept] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    passages: int = 0  # how many passages it was built from

    def concept(self, name: str) -> Concept | None:
        wanted = name.strip().lower()
        return next((c for c in self.concepts if c.name.lower() == wanted), None)

    def links_of(self, name: str) -> list[Link]:
        return [link for link in self.links if name in (link.a, link.b)]

    def as_dict(self) -> dict[str, Any]:
        return {"passages": self.passages, "concepts": [asdict(c) for c in self.concepts],
                "links": [asdict(link) for link in self.links]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConceptMap:
        def quote(q: dict[str, Any]) -> Quote:
            return Quote(**q)

        concepts = [Concept(c["name"], quote(c["definition"]),
                            tuple(quote(q) for q in c["passages"]), c["named_by"],
                            c["mentions"], c.get("invitation"), tuple(c.get("also", ())))
                    for c in data.get("concepts", [])]
        links = [Link(x["a"], x["b"], tuple(quote(q) for q in x["evidence"]))
                 for x in data.get("links", [])]
        return cls(concepts, links, int(data.get("passages", 0)))


# --- words -------------------------------------------------------------------------------

@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words of `text`, curly apostrophes straightened, possessives dropped."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    found = re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text)
    return [re.sub(r"'s$", "", w) for w in found]


def stems(text: str) -> tuple[str, ...]:
    return tuple(_stemmer().stemWords(words(text)))


def name_key(name: str, most: int = MAX_WORDS) -> tuple[str, ...] | None:
    """The stems that identify an idea's name (of `most` words at most), or None when the name
    is not an idea."""
    ws = words(name)
    while ws and ws[0] in LEADING:
        ws = ws[1:]
    if not ws or len(ws) > most or all(w in STOPWORDS for w in ws):
        return None
    if ws[-1] in STOPWORDS or ws[0] in STOPWORDS:
        return None
    key = tuple(_stemmer().stemWords(ws))
    if len(key) == 1 and (key[0] in GENERIC or len(key[0]) < 3
                          or (ws[0].endswith("ed") and key[0] != ws[0])):
        return None  # too general, or a verb's or adjective's form ("shared") on its own
    return key


def _runs(key: tuple[str, ...], seq: Sequence[str]) -> list[int]:
    """Where `key` occurs as a run in `seq`."""
    n = len(key)
    return [i for i in range(len(seq) - n + 1) if tuple(seq[i:i + n]) == key]


def _within(key: tuple[str, ...], seq: Sequence[str]) -> int:
    """How many times `key` occurs as a run in `seq`."""
    return len(_runs(key, seq))


# A line that starts a block of its own: a list item, a quote, a heading, a numbered clause
# ("1.4.", "(a)"), a heading's underline.
BLOCK_START = re.compile(r"^\s*(?:[-*•>#+]|\d+(?:\.\d+)*[.)]|\([a-z0-9]{1,4}\)|[=~^-]{3,}\s*$)")


def blocks(text: str) -> list[str]:
    """The passage's paragraphs, verbatim: a line that goes on from the one before (text
    wrapped at a fixed width, as licences and plain-text books are) joins it with its line
    break; a blank line, a line that starts a block, or a heading-like line before it ends one."""
    found: list[str] = []
    start = end = None
    previous = ""
    at = 0
    for line in text.split("\n"):
        here, at = at, at + len(line) + 1
        if not line.strip():
            start = None
            previous = ""
            continue
        goes_on = start is not None and not BLOCK_START.match(line) and not (
            previous.lstrip().startswith("#") or _heading_like(previous))
        if goes_on:
            end = here + len(line)
            found[-1] = text[start:end]
        else:
            start, end = here, here + len(line)
            found.append(line)
        previous = line
    return [b.strip() for b in found if b.strip()]


def sentences(text: str) -> list[str]:
    """Sentences of a passage, verbatim (line breaks of wrapped text kept inside them):
    blocks first (headings, list items, paragraphs), then sentence ends."""
    found: list[str] = []
    for block in blocks(text):
        found.extend(s.strip() for s in SENTENCE_END.split(block) if s.strip())
    return found


def _heading_like(sentence: str) -> bool:
    bare = sentence.strip(" •*-–\t")
    return not re.search(r"[.!?:;,”\"’)]$", bare) and len(bare.split()) <= 8


# --- the model's reading -----------------------------------------------------------------

def model_identity(model: ChatModel) -> str:
    """Which model read the passages: its file (name and size) or its server and name."""
    locate = getattr(model, "path", None)
    if callable(locate):
        try:
            path = Path(locate())
            return f"{path.name}:{path.stat().st_size}"
        except (OSError, TypeError):
            pass
    return ":".join(str(getattr(model, a, "")) for a in ("base_url", "model")) or \
        type(model).__name__


def propose(model: ChatModel, passage: Passage) -> list[str]:
    """The names the model gives the ideas of one passage, as it wrote them."""
    messages: list[Message] = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Passage:\n{EXAMPLE_PASSAGE}\n\nIdeas:"},
        {"role": "assistant", "content": EXAMPLE_IDEAS},
        {"role": "user", "content": f"Passage:\n{passage.text}\n\nIdeas:"},
    ]
    text = "".join(model.stream(messages, max_tokens=16 * PER_PASSAGE, temperature=0.0,
                                grammar=GRAMMAR))
    names = [line.strip().lstrip("-•* ").strip() for line in text.split("\n")]
    return [n for n in names if n][:PER_PASSAGE]


# --- the map -----------------------------------------------------------------------------

@dataclass
class _Idea:
    key: tuple[str, ...]
    names: Counter[str] = field(default_factory=Counter)  # surface names, by passages
    named_in: set[str] = field(default_factory=set)  # passage ids

    @property
    def name(self) -> str:
        return max(self.names.items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]


def _tokens(text: str) -> list[str]:
    """The words of `text` as written (case kept), one for each of `stems(text)`."""
    return re.findall(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*", text)


def _surface(passage_text: str, key: tuple[str, ...]) -> str | None:
    """How the passage itself writes the words that `key` stems, or None if it does not."""
    tokens = _tokens(passage_text)
    at = _runs(key, stems(" ".join(tokens)))
    return " ".join(tokens[at[0]:at[0] + len(key)]) if at else None


def _ideas(passages: Sequence[Passage], proposals: dict[str, list[str]],
           own: Collection[tuple[str, ...]] = ()) -> list[_Idea]:
    """The model's names, kept where the passage says them, joined when one name is the start
    or end of another ("fixing mode" into "fixing"), unless the text marks the longer one out
    as a term of its own (`own`: "Derivative Works" is not "Work", nor a second name for it)."""
    by_key: dict[tuple[str, ...], _Idea] = {}
    for p in passages:
        for raw in proposals.get(p.id, []):
            key = name_key(raw)
            if key is None or (surface := _surface(p.text, key)) is None:
                continue  # not an idea, or not in the passage's words
            while surface and words(surface)[:1] and words(surface)[0] in LEADING:
                surface = surface.split(" ", 1)[1] if " " in surface else ""
            idea = by_key.setdefault(key, _Idea(key))
            if p.id not in idea.named_in:
                # kept in capitals where they mark a name ("GNU GPL"), not where the passage
                # shouts ("THE PROGRAM IS PROVIDED AS IS" names "free", not "FREE")
                idea.names[surface if surface.isupper() and not _shouted(p.text, surface)
                           else surface.lower()] += 1
                idea.named_in.add(p.id)
    ideas = sorted(by_key.values(), key=lambda i: (len(i.key), -len(i.named_in)))
    joined: list[_Idea] = []
    for idea in ideas:  # shorter keys first: a longer name joins the shorter that is its head
        into = [j for j in joined if len(j.key) < len(idea.key) and _head_of(j.key, idea.key)]
        if into and idea.key not in own:
            target = max(into, key=lambda j: len(j.named_in))
            target.names.update(idea.names)
            target.named_in |= idea.named_in
        else:
            joined.append(idea)
    return joined


def _shouted(text: str, surface: str) -> bool:
    """Whether the line of `text` where `surface` first stands is mostly capitals (a licence's
    heading or warranty clause), so that its capitals say nothing of the name."""
    if (at := text.find(surface)) < 0:
        return False
    line = text[text.rfind("\n", 0, at) + 1:text.find("\n", at) % (len(text) + 1)]
    letters = [c for c in line.replace(surface, "") if c.isalpha()]
    return sum(c.isupper() for c in letters) > len(letters) / 2


def _head_of(short: tuple[str, ...], long_: tuple[str, ...]) -> bool:
    """`short` is what `long_` names: its end ("emotional safety": "safety") or what an "of"
    or "for" follows ("community of care": "community"). "shared practice" is not "shared"."""
    n = len(short)
    return long_[-n:] == short or (long_[:n] == short and long_[n:n + 1] in (("of",), ("for",)))


def _proper(key: tuple[str, ...], read: Iterable[tuple[list[str], tuple[str, ...]]]) -> bool:
    """A name the text always capitalises inside a sentence (a show, a person, a place).
    `read`: each sentence's words as written and their stems, headings (in Title Case, they
    say nothing of it) left out."""
    seen = capital = 0
    for tokens, stemmed in read:
        for i in _runs(key, stemmed):
            if i > 0:  # a sentence's first word is capitalised anyway
                seen += 1
                capital += tokens[i][:1].isupper()
    return seen > 0 and capital == seen


QUOTED = re.compile(r"[\"“]([^\"”\n]{1,60})[\"”]"
                    r"((?:\s*\([^)]{0,40}\)|\s+of\s+(?:an?|the)\s+\w+)?)")


def _defined(key: tuple[str, ...], passages: Sequence[Passage]) -> bool:
    """A term the text itself defines: in quotes and followed by what it is or means
    ('"Covered Software" means …'). Capitalised throughout, it is a defined term, not a name."""
    for passage in passages:
        for match in QUOTED.finditer(passage.text):
            if stems(match.group(1)) == key and DEFINING.search(
                    passage.text[match.end():match.end() + 40].lower()):
                return True
    return False


def _text_terms(passages: Sequence[Passage], heads: dict[Passage, str]
                ) -> dict[tuple[str, ...], tuple[str, set[str]]]:
    """The ideas the text itself marks out, apart from what the model named: terms it defines
    in quotes ('"Combined Work" is ...', 'is called "Opaque"') and the titles of its numbered
    sections ("4. Combined Works.", in the text or, `heads` (`headed(passages)`), kept apart
    from it). Each with how the text writes it and where."""
    found: dict[tuple[str, ...], tuple[str, set[str]]] = {}

    def add(surface: str, passage: Passage, title: bool = False) -> None:
        surface = " ".join(surface.split())
        most = MAX_WORDS if title else TERM_WORDS  # a term in quotes is kept whole
        if title and len(surface.split()) > MAX_WORDS:
            surface = TITLE_HEAD.split(surface, maxsplit=1)[0]
        if (key := name_key(surface, most)) is None or len(surface.split()) > most:
            return
        name = surface if not surface.isupper() else surface.lower()
        name, where = found.get(key, (name, set()))
        where.add(passage.id)
        found[key] = (name, where)

    for passage in passages:
        for match in QUOTED_WRAPPED.finditer(passage.text):
            if DEFINING.search(passage.text[match.end():match.end() + 40].lower()):
                add(match.group(1), passage)
        for named in _named(passage.text):
            add(named, passage)
        for block in blocks(passage.text):
            if (title := SECTION_TITLE.match(block) or INLINE_TITLE.match(block)) and not (
                    DOCUMENT_PARTS & set(stems(title.group(1)))):
                add(title.group(1), passage, title=True)
            if term := UNQUOTED_TERM.match(block):
                add(term.group(1), passage)
    for first, section in heads.items():
        # a title kept apart from the text (a Markdown file's headings): the words of it that
        # the section (else its document) says ("3. Foster Emotional Safety": "emotional
        # safety"), else the title itself ("5. Termination"), which stands for its first
        # sentence
        under = [p for p in passages if p.section == section and p.source == first.source]
        document = [p for p in passages if p.source == first.source]
        for ways in _title_ideas(section):
            for words_of in ways:
                key = stems(words_of)
                if where := ([p for p in under if _surface(p.text, key)]
                             or [p for p in document if _surface(p.text, key)]):
                    for passage in where:
                        add(words_of, passage, title=True)
                    break
            else:
                if ways and len(ways[0].split()) < MAX_WORDS:  # a name, not an exhortation
                    add(ways[0], first, title=True)
    return found


def headed(passages: Sequence[Passage]) -> dict[Passage, str]:
    """The first passage of each titled section, with its title (one that reads as a title:
    a few words, no sentence)."""
    firsts: dict[tuple[str, str], Passage] = {}
    for p in sorted(passages, key=lambda p: p.position):
        if p.section and _heading_like(p.section):
            firsts.setdefault((p.source, p.section), p)
    return {p: section for (_, section), p in firsts.items()}


def _bare(title: str) -> str:
    """A section title without its number and full stop ("5. Termination." -> "Termination")."""
    return re.sub(r"^\s*\d{1,2}\.\s+", "", title).strip().rstrip(".")


def _title_ideas(title: str) -> list[list[str]]:
    """The ideas a section's title names, each as the ways it may be said, longest first: a
    title that names a thing ("Binary Data") whole, or two ("Sort Stability and Complex
    Sorts"); a numbered one ("3. Foster Emotional Safety", "4. Redefine Conflict") by its end,
    which its first words ask the reader to do something with ("Acknowledge Your Individual
    Strengths" names no one word of it alone)."""
    bare = _bare(title)
    if DOCUMENT_PARTS & set(stems(bare)) or not bare:
        return []
    if bare == title.strip().rstrip("."):
        # "Sort Stability and Complex Sorts" names two
        parts = TITLE_PARTS.split(bare)
        return [[p] for p in parts if NAMING_TITLE.match(p) and (len(parts) == 1 or " " in p)]
    said = bare.split()
    whole = TITLE_HEAD.split(bare, maxsplit=1)[0] if len(said) > MAX_WORDS else bare
    return [[whole] * (len(whole.split()) > 1 or len(said) == 1) + [
        " ".join(said[i:]) for i in range(1, len(said)) if len(said) - i <= MAX_WORDS
             and words(said[i])[:1] and words(said[i])[0] not in STOPWORDS | LEADING
             and (len(said) - i > 1 or len(said) == 2 and not set(stems(said[i])) & GENERIC)]]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = math.sqrt(sum(x * x for x in a)) or 1.0
    nb = math.sqrt(sum(y * y for y in b)) or 1.0
    return dot / (na * nb)


def _definition(idea: _Idea, found: list[tuple[Passage, int, str]],
                split: dict[str, list[str]], stemmed: dict[tuple[str, int], tuple[str, ...]],
                closeness: Callable[[str, list[str]], list[float]]) -> Quote | None:
    """The sentence that best says what the idea is. `found`: (passage, index, sentence) for
    every sentence naming it; a heading-like line stands for the sentence after it."""
    candidates: list[tuple[Passage, str, float]] = []
    for passage, i, sentence in found:
        cue = 0.0
        if _code(sentence):
            continue  # an example's code says nothing of what the idea is
        numbered = i > 0 and re.fullmatch(r"\d{1,2}\.", split[passage.id][i - 1].strip())
        if _heading_like(sentence) or numbered and len(sentence.split()) <= 10:
            # the sentence after the title, past a list's letter ("5. Downstream recipients.
            # a. Offer from ..." is defined by the offer, not by "a.")
            following = [s for s in split[passage.id][i + 1:i + 4] if not LIST_MARK.fullmatch(
                s.strip())][:1]
            if not following or _heading_like(following[0]) or _code(following[0]):
                continue
            sentence, cue = following[0], 0.5
        elif _names_term(idea.key, sentence):
            cue = 3.0  # the sentence that makes the term and then names it
        elif (at := _says_what(idea.key, stemmed[(passage.id, i)], sentence)) is not None:
            cue = 2.0 + (1.0 if at <= 1 else 0.0)
            rest = _after_words(sentence.lower().replace("'", "’"), at + len(idea.key))
            if NEGATED.match(rest):
                cue -= 0.5  # what it is not ("Interdependence is not sameness") says less
            if (then := _goes_on(passage.text, split[passage.id], i)) is not None:
                # ... and the sentence after says what it is ("It’s the practice of ..."):
                # both, as one quote
                sentence, cue = then, cue + 0.75
        n = len(sentence.split())
        # a whole sentence of a readable length (longer where it says what the idea is, as a
        # licence's definitions do): not a passage's opening that begins mid-way through one
        # ('the term "modification".)')
        longest = 90 if cue >= 2.0 else 45
        shape = 0.5 if 5 <= n <= longest and not sentence.lstrip("(\"“'‘")[:1].islower() else -1.0
        named = 0.5 if passage.id in idea.named_in else 0.0
        candidates.append((passage, sentence, cue + shape + named))
    if not candidates:
        return None
    near = closeness(idea.name, [s for _, s, _ in candidates])
    passage, sentence, _ = max(zip(candidates, near, strict=True),
                               key=lambda cn: cn[0][2] + cn[1])[0]
    assert sentence in passage.text, "a definition must be the corpus's own words"
    return Quote(sentence, passage.id, passage.essay, passage.section)


# A line of an example's code: a prompt ("    >>> sorted(...)"), or indented, a comment, an
# assignment or a call ("   s = socket.socket(...)", "        raise Error('broken')"); not an
# indented licence's line that ends on a colon or holds a bracket ("Section 2(b)").
CODE_LINE = re.compile(r"^\s*(?:>>>|\.\.\.\s)|^(?:\s{3,}|\t)(?:#|[\w.\[\]]+\s*[-+*/]?=\s|"
                       r"(?:(?:raise|return|print)\s+)?[\w.]+\(.*\)\s*$)", re.M)
# What a sentence says an idea is not.
NEGATED = re.compile(r"^[\s\"”’]*(?:isn’t|is not|aren’t|are not|doesn’t|does not)\b")
# A sentence that goes on saying what the idea of the sentence before it is.
GOES_ON = re.compile(r"^(?:It|This)(?:’s|'s|\s+is|\s+means|\s+begins|\s+calls)\b")


def _code(sentence: str) -> bool:
    """Whether a "sentence" is lines of an example's code, not prose."""
    return bool(CODE_LINE.search(sentence))


def _goes_on(text: str, said: list[str], i: int) -> str | None:
    """Sentence `i` with the next, verbatim as `text` has them, where the next says what the
    idea of `i` is ("Interdependence is not sameness. It’s the practice of ..."); else None."""
    if i + 1 >= len(said) or not GOES_ON.match(said[i + 1]):
        return None
    start = text.find(said[i])
    end = text.find(said[i + 1], start + len(said[i]))
    if start < 0 or end < 0 or text[start + len(said[i]):end].strip():
        return None
    return text[start:end + len(said[i + 1])]


def _named(text: str) -> Iterator[str]:
    """The terms `text` names after saying what they are ('... (the "Affirmer")', '... is
    called "Opaque"', '... in the term "modification"')."""
    yield from (m.group(1) for m in NAMED_AFTER.finditer(text))
    yield from (m.group(1) for m in QUOTED_WRAPPED.finditer(text)
                if CALLED.search(text[max(0, m.start() - 24):m.start()]))


def _names_term(key: tuple[str, ...], sentence: str) -> bool:
    """Whether `sentence` makes the idea a term and then names it."""
    return any(stems(term) == key for term in _named(sentence))


def _says_what(key: tuple[str, ...], seq: Sequence[str], sentence: str) -> int | None:
    """Where the idea begins in `sentence` (stemmed: `seq`), if the sentence goes on to say
    what it is ("Source code means …", "A 'Combined Work' is …"); None if it does not."""
    if not (at := _runs(key, seq)):
        return None
    rest = _after_words(sentence.lower().replace("'", "’"), at[0] + len(key))
    return at[0] if DEFINING.search(rest) else None


def _after_words(text: str, count: int) -> str:
    """`text` after its first `count` words."""
    matches = list(re.finditer(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", text))
    return text[matches[count - 1].end():] if 0 < count <= len(matches) else ""


def build_map(passages: Sequence[Passage], proposals: dict[str, list[str]],
              embeddings: Embeddings | None = None,
              invitations: Iterable[Any] = (), limit: int | None = None) -> ConceptMap:
    """The map from what the model named in each passage (no model call here)."""
    passages = [p for p in passages if not p.flagged]
    limit = limit or min(30, max(12, len(passages)))
    split = {p.id: sentences(p.text) for p in passages}
    stemmed = {(p.id, i): stems(s) for p in passages for i, s in enumerate(split[p.id])}
    # a title kept apart from the text is its first passage's sentence -1, a mention of the
    # idea it is the name of (whole, or its head: not one it asks the reader to do something
    # with)
    heads = headed(passages)
    titles = {p.id: t for p, t in heads.items()}
    stemmed |= {(pid, -1): stems(_bare(t)) for pid, t in titles.items()}
    named_by_title = {pid: {stemmed[(pid, -1)], name_key(TITLE_HEAD.split(_bare(t))[0])}
                      for pid, t in titles.items()}
    prose = [(_tokens(s), stemmed[(p.id, i)]) for p in passages  # read once, for every idea
             for i, s in enumerate(split[p.id]) if not _heading_like(s)]
    marked = _text_terms(passages, heads)
    ideas = [i for i in _ideas(passages, proposals, marked.keys())
             if not _proper(i.key, prose) or _defined(i.key, passages) or i.key in marked]
    known = {i.key: i for i in ideas}
    for key, (name, where) in marked.items():  # what the text marks out is an idea of its own
        idea = known.get(key) or _Idea(key)
        if key not in known:
            ideas.append(idea)
            idea.names[name.lower() if not _proper(key, prose) else name] += len(where)
        idea.named_in |= where

    def mentions(idea: _Idea) -> list[tuple[Passage, int, str]]:
        return [(p, i, s) for p in passages
                for i, s in enumerate(([titles[p.id]] if p.id in titles else []) + split[p.id],
                                      start=-1 if p.id in titles else 0)
                if _within(idea.key, stemmed[(p.id, i)]) and (
                    i >= 0 or idea.key in named_by_title[p.id])]

    ranked = sorted(((idea, mentions(idea)) for idea in ideas),
                    key=lambda im: (im[0].key not in marked, -len(im[0].named_in),
                                    -len({p.id for p, i, _ in im[1] if i >= 0}), im[0].name))

    vectors: dict[str, list[float]] = {}

    def closeness(name: str, texts: list[str]) -> list[float]:
        if embeddings is None:
            return [0.0] * len(texts)
        wanted = [t for t in [name, *texts] if t not in vectors]
        if wanted:
            vectors.update(zip(wanted, embeddings.embed_documents(wanted), strict=True))
        return [_cosine(vectors[name], vectors[t]) for t in texts]

    invitations = list(invitations)
    concepts: list[Concept] = []
    keys: dict[str, tuple[str, ...]] = {}
    for idea, found in ranked:
        if len(concepts) >= limit:
            break
        definition = _definition(idea, found, split, stemmed, closeness)
        if definition is None:
            continue
        counts = Counter(p.id for p, _, _ in found)
        by_id = {p.id: p for p, _, _ in found}
        # The passage the definition is in, then those that say again what the idea is: on
        # the first six corpora labelled, 71 of 90 definitions' passages held a sentence a
        # careful reader marked, against 29 of 95 of the other passages that named the idea
        # (31 %, 7 of 20 where three or more of their sentences named it).
        again = [by_id[pid] for pid in dict.fromkeys(
            p.id for p, i, s in found if p.id != definition.passage and i >= 0
            and p.id in idea.named_in
            and _says_what(idea.key, stemmed[(p.id, i)], s) in (0, 1))]  # opens with it
        order = [by_id[definition.passage],
                 *sorted(again, key=lambda p: (-counts[p.id], p.position))]
        shown = tuple(Quote(p.text, p.id, p.essay, p.section) for p in order[:PASSAGES_SHOWN])
        invitation = next((inv.id for inv in invitations
                           if _within(idea.key, stems(inv.text))), None)
        name = idea.name
        also = tuple(n for n, _ in idea.names.most_common() if n != name)
        concepts.append(Concept(name, definition, shown, len(idea.named_in), len(counts),
                                invitation, also))
        keys[name] = idea.key
    links = []
    for i, a in enumerate(concepts):
        for b in concepts[i + 1:]:
            ka, kb = keys[a.name], keys[b.name]
            evidence = []
            for p in passages:
                for j, s in enumerate(split[p.id]):
                    seq = stemmed[(p.id, j)]
                    if _within(ka, seq) and _within(kb, seq) and not _overlap(ka, kb):
                        evidence.append(Quote(s, p.id, p.essay, p.section))
            unique = list({q.text: q for q in evidence}.values())
            if unique:
                links.append(Link(a.name, b.name, tuple(unique[:EVIDENCE_SHOWN])))
    return ConceptMap(concepts, links, len(passages))


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One name inside the other: a sentence naming the longer names both, but links nothing."""
    short, long_ = sorted((a, b), key=len)
    return _within(short, long_) > 0


# --- built at ingest, cached beside the index -----------------------------------------------

class ConceptMapper:
    """Reads new passages with the model, keeps what it said by passage id, builds the map."""

    def __init__(self, model: ChatModel, embeddings: Embeddings | None, cache_file: Path,
                 most: int = 240) -> None:
        self.model = model
        self.embeddings = embeddings
        self.cache_file = cache_file
        self.most = most  # passages read at most: a library is mapped from a sample

    def _read_cache(self, identity: str) -> dict[str, list[str]]:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if data.get("version") != VERSION or data.get("model") != identity:
            return {}  # another model or another way of asking: read again
        proposals = data.get("proposals", {})
        return {k: [str(n) for n in v] for k, v in proposals.items() if isinstance(v, list)}

    def _write(self, identity: str, proposals: dict[str, list[str]],
               built: ConceptMap | None) -> None:
        data: dict[str, Any] = {"version": VERSION, "model": identity, "proposals": proposals}
        if built is not None:
            data["map"] = built.as_dict()
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.cache_file.with_suffix(".partial")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.cache_file)  # a killed process leaves the old file whole

    def build(self, passages: Sequence[Passage], invitations: Iterable[Any] = (),
              progress: bool = False) -> tuple[ConceptMap, int]:
        """The map of `passages`, and how many passages the model read for it (0 when every
        passage was read before)."""
        from tqdm import tqdm

        identity = model_identity(self.model)
        cached = self._read_cache(identity)
        readable = sample([p for p in passages if not p.flagged], self.most)
        proposals = {p.id: cached[p.id] for p in readable if p.id in cached}
        new = [p for p in readable if p.id not in proposals]
        with tqdm(total=len(new), desc="Mapping concepts", unit="passage",
                  disable=not progress or not new) as bar:
            for n, passage in enumerate(new, start=1):
                proposals[passage.id] = propose(self.model, passage)
                bar.update()
                if n % SAVE_EVERY == 0:
                    self._write(identity, proposals, None)
        built = build_map(readable, proposals, self.embeddings, invitations)
        self._write(identity, proposals, built)
        return built, len(new)

    def load(self) -> ConceptMap | None:
        return load_map(self.cache_file)


def sample(passages: list[Passage], most: int) -> list[Passage]:
    """At most about `most` passages, spread over the corpus. Which ones depends only on each
    passage's id (a hash of its text) and the corpus's size, so that a changed document does
    not change which of the others are read."""
    if len(passages) <= most:
        return passages
    share = most / len(passages)
    return [p for p in passages if int(hashlib.sha256(p.id.encode()).hexdigest()[:8], 16)
            < share * 16 ** 8]


def load_map(cache_file: Path) -> ConceptMap | None:
    """The map as last built, or None when there is none (or it cannot be read)."""
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return ConceptMap.from_dict(data["map"]) if isinstance(data.get("map"), dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


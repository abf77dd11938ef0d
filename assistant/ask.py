"""Asking about the essays: retrieve, answer from the passages, cite them, keep quotes verbatim."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from .corpus import Passage
from .excerpts import excerpts
from .grounding import best_support, content_stems
from .llm import ChatModel, Message, fit
from .prompts import render
from .retrieval import Retriever
from .textnorm import normalize

NOT_IN_ESSAYS = (
    "The essays don't speak to this. They are about interdependence: sovereignty, listening "
    "instead of fixing, and living and deciding together."
)
QUOTE = re.compile(r"“([^“”]*)”|\"([^\"]*)\"")
CITATION = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
OPENERS = {"“": "”", '"': '"', "[": "]", "(": ")", "<": ">"}
HTML_TAG = re.compile(r"</?[a-zA-Z!][^>\n]{0,300}>")
IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
URL = re.compile(r"(?:https?://|www\.)[^\s)>\]]+")
PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{5,}\d(?![\w])")
CONTROL_TOKENS = re.compile(r"<\|[^|>]{1,40}\|>|\[/?INST\]")
REFERRING = re.compile(r"\b(?:that|this|it|its|she|he|her|his|they|them|their|those|these|"
                       r"there|then|the author|the writer|what about|why|how so|meaning)\b", re.I)
ASKED = re.compile(r"Question: (.+)\s*$", re.S)
CHARS_PER_TOKEN = 4  # English prose, roughly
HELD_BACK = ("Held back from the model: this passage reads like instructions to a model "
             "rather than part of an essay.")
HOLD_LIMIT = 400  # an opener left open this long is a stray mark, not a quote
SENTENCE_END = re.compile(r"[.!?][”’\"')]*(?=\s)")
DIGIT_RUN = re.compile(r"\+?[\d(][\d\s().-]*$")
SENTENCE_END_SPACE = re.compile(r"[.!?][”’\"')]*\s+$")
SENTENCE_TAIL = re.compile(r"\s*(?:[.!?][”’\"')]*\s*)?$")  # held until the next word


@dataclass(frozen=True)
class Source:
    n: int
    essay: str
    section: str
    kind: str
    text: str
    score: float
    cited: bool = False
    held_back: bool = False  # shown, but never given to the model (reads like instructions)


@dataclass
class Answer:
    question: str
    text: str
    sources: list[Source]
    grounded: bool
    timings: dict[str, float] = field(default_factory=dict)
    unquoted: list[str] = field(default_factory=list)
    prompt: str = ""  # the user turn as the model saw it; kept in history so its cache is reused
    said: str = ""  # the reply as the model wrote it, before the checks: what it has read

    def history(self) -> list[Message]:
        """The turn as the model read and wrote it, so that a model which kept the conversation
        (keep_for) finds all of it already read and reads only the next question."""
        return [{"role": "user", "content": self.prompt or self.question},
                {"role": "assistant", "content": self.said or self.text}]


@dataclass(frozen=True)
class Sources:
    """First event of an answer: the passages it will be drawn from."""

    sources: list[Source]


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Done:
    answer: Answer


AnswerEvent = Sources | Delta | Done


class AnswerChecker:
    """Cleans an answer as it streams: quotes must be verbatim, and each sentence is cited
    with the passage that supports it (the model's own markers are not trusted).

    Text after an unclosed quote or bracket, or a sentence's closing punctuation, is held
    back until it is complete, so every piece let through is final.
    """

    def __init__(self, corpus_text: str, passages: list[str],
                 allowed_numbers: frozenset[str] = frozenset()) -> None:
        self.corpus, numbers = corpus_facts(corpus_text)
        self.allowed_numbers = allowed_numbers | numbers
        self.passages = [content_stems(p) for p in passages]
        self.cited: set[int] = set()
        self.unquoted: list[str] = []
        self._pending = ""
        self._sentence = ""

    def feed(self, delta: str) -> str:
        self._pending += delta
        cut = self._safe_end(self._pending)
        ready, self._pending = self._pending[:cut], self._pending[cut:]
        return self._attribute(self.clean(ready), final=False)

    def finish(self) -> str:
        rest, self._pending = self._pending, ""
        return self._attribute(self.clean(rest), final=True)

    def _safe_end(self, text: str) -> int:
        """Where the text can be cut without splitting a quote, a bracket or a sentence end."""
        i, pair_start, pair_end = 0, 0, 0
        while i < len(text):
            closer = OPENERS.get(text[i])
            if closer is None:
                i += 1
                continue
            end = text.find(closer, i + 1)
            if end == -1:
                return len(text[:i].rstrip()) if len(text) - i < HOLD_LIMIT else len(text)
            pair_start, pair_end, i = i, end + 1, end + 1
        tail = SENTENCE_TAIL.search(text)
        end = len(text) if tail is None else (
            pair_start if pair_start < tail.start() < pair_end else tail.start())
        word = re.search(r"\S+$", text[:end])  # it may go on: links and numbers are judged whole
        if word and not (pair_start <= word.start() < pair_end):
            before = text[: word.start()]
            # a sentence end keeps its space, which is how the end is recognised
            end = len(before) if SENTENCE_END_SPACE.search(before) else len(before.rstrip())
        digits = DIGIT_RUN.search(text[:end])  # a number may go on in the next word
        if digits and digits.start() >= pair_end:
            end = digits.start()
        return end

    def clean(self, text: str) -> str:
        """Model text made safe to show: no tags, images, outside links, invented numbers;
        no self-made citations; quotes only when verbatim."""
        text = CONTROL_TOKENS.sub("", text)
        text = HTML_TAG.sub("", text)
        text = IMAGE.sub(lambda m: m.group(1), text)
        text = MD_LINK.sub(lambda m: m.group(0) if self._known(m.group(2)) else m.group(1), text)
        text = URL.sub(self._url, text)
        text = PHONE.sub(self._number, text)
        text = CITATION.sub("", text)
        return QUOTE.sub(self._quote, text)

    def _url(self, match: re.Match[str]) -> str:
        url = match.group(0).rstrip(".,;:!?")
        return match.group(0) if self._known(url) else match.group(0)[len(url):]

    def _known(self, url: str) -> bool:
        return normalize(url) in self.corpus

    def _number(self, match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return match.group(0) if digits in self.allowed_numbers else "[number removed]"

    def _quote(self, match: re.Match[str]) -> str:
        inner = match.group(1) if match.group(1) is not None else match.group(2)
        words = normalize(inner).strip(" .,;:!?")
        if words and words in self.corpus:
            return match.group(0)
        self.unquoted.append(inner)
        return inner

    def _attribute(self, text: str, final: bool) -> str:
        out, start = [], 0
        for match in SENTENCE_END.finditer(text):
            sentence = text[start : match.end()]
            out.append(sentence + self._cite(self._sentence + sentence))
            self._sentence, start = "", match.end()
        self._sentence += text[start:]
        out.append(text[start:])
        if final and self._sentence.strip():
            out.append(self._cite(self._sentence))
            self._sentence = ""
        return "".join(out)

    def _cite(self, sentence: str) -> str:
        best = best_support(sentence, self.passages)
        if best is None:
            return ""
        self.cited.add(best + 1)
        return f"[{best + 1}]"


@lru_cache(maxsize=2)
def corpus_facts(corpus_text: str) -> tuple[str, frozenset[str]]:
    """The corpus normalised for quote checks, and the numbers it contains (computed once per
    corpus, not once per answer)."""
    numbers = frozenset(re.sub(r"\D", "", m) for m in PHONE.findall(corpus_text))
    return normalize(corpus_text), numbers


def instructions() -> str:
    """The answering instructions: the system prompt every answer is given, and so the prefix
    that start-up reads into the model's cache (the two must be the same text)."""
    return render("ask_system", max_sentences=5)


def _quoted(passages: list[Passage], texts: list[str] | None = None) -> list[dict[str, str]]:
    """Passages as the prompts show them (or the given excerpts of them), with chat-control
    tokens taken out."""
    return [{"essay": p.essay, "section": p.section, "text": CONTROL_TOKENS.sub("", text)}
            for p, text in zip(passages, texts or [p.text for p in passages], strict=True)]


class AskService:
    """One question about the essays, answered from retrieved passages with checked citations."""

    def __init__(self, retriever: Retriever, model: ChatModel, *, top_k: int = 3,
                 min_relevance: float = 0.33, max_tokens: int = 400, temperature: float = 0.2,
                 history_chars: int = 12000,
                 allowed_numbers: frozenset[str] = frozenset(),
                 corpus_in_context_chars: int = 0, context_tokens: int = 8192,
                 excerpt_chars: int = 0) -> None:
        self.retriever = retriever
        self.model = model
        self.top_k = top_k
        self.min_relevance = min_relevance
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.history_chars = history_chars
        self.allowed_numbers = allowed_numbers
        self.corpus_in_context_chars = corpus_in_context_chars
        self.context_tokens = context_tokens
        self.excerpt_chars = excerpt_chars
        self._corpus: tuple[object, str] | None = None

    def corpus_text(self) -> str:
        """All passages as one text, rebuilt only when the index behind them changes."""
        keywords = self.retriever.keywords()
        if self._corpus is None or self._corpus[0] is not keywords:
            self._corpus = (keywords, "\n\n".join(p.text for p in keywords.passages))
        return self._corpus[1]

    def stream(self, question: str, history: list[Message] | None = None,
               keep_for: str | None = None) -> Iterator[AnswerEvent]:
        """The answer's events; `keep_for` names the conversation, whose words the model may
        keep in memory until its next turn (see LlamaCppChatModel.stream)."""
        start = time.perf_counter()
        query = standalone(question, history or [])
        result = self.retriever.search(query, self.top_k)
        timings = {"retrieval_s": time.perf_counter() - start}
        if result.best_similarity < self.min_relevance:
            yield Sources([])
            yield Delta(NOT_IN_ESSAYS)
            timings["total_s"] = time.perf_counter() - start
            yield Done(Answer(question, NOT_IN_ESSAYS, [], False, _rounded(timings)))
            return
        usable = [p for p in result.passages if not p.flagged]
        held = [p for p in result.passages if p.flagged]
        sources = [_source(n, p) for n, p in enumerate(usable, start=1)]
        sources += [Source(0, p.essay, p.section, p.kind, p.text, round(p.score, 6),
                           held_back=True) for p in held]
        yield Sources(sources)
        if not usable:
            yield Delta(NOT_IN_ESSAYS)
            timings["total_s"] = time.perf_counter() - start
            yield Done(Answer(question, NOT_IN_ESSAYS, sources, False, _rounded(timings)))
            return
        messages = self.messages(question, usable, history or [], query, result.query_vector)
        checker = AnswerChecker(self.corpus_text(), [p.text for p in usable],
                                self.allowed_numbers)
        parts: list[str] = []
        said: list[str] = []
        for delta in self.model.stream(messages, max_tokens=self.max_tokens,
                                       temperature=self.temperature, keep_for=keep_for):
            timings.setdefault("first_token_s", time.perf_counter() - start)
            said.append(delta)
            if clean := checker.feed(delta):
                parts.append(clean)
                yield Delta(clean)
        if rest := checker.finish():
            parts.append(rest)
            yield Delta(rest)
        text = "".join(parts).strip()
        grounded = "don't speak to this" not in text and bool(text)
        cited = [Source(**{**s.__dict__, "cited": s.n in checker.cited and not s.held_back})
                 for s in sources]
        timings["total_s"] = time.perf_counter() - start
        yield Done(Answer(question, text, cited, grounded, _rounded(timings), checker.unquoted,
                          messages[-1]["content"], "".join(said).strip()))

    def answer(self, question: str, history: list[Message] | None = None) -> Answer:
        for event in self.stream(question, history):
            if isinstance(event, Done):
                return event.answer
        raise RuntimeError("the answer stream ended without a result")

    def in_context(self) -> list[Passage] | None:
        """The whole corpus, when it is small enough to sit in the model's context as a fixed,
        cached prefix: then a question costs only its own words to read."""
        everything = [p for p in self.retriever.keywords().passages if not p.flagged]
        size = sum(len(p.text) for p in everything)
        fits = size / CHARS_PER_TOKEN <= self.context_tokens / 2  # room left for the talk
        return everything if 0 < size <= self.corpus_in_context_chars and fits else None

    def prime(self) -> None:
        """Read the fixed prefix now (at start-up), so the first question does not wait: the
        whole corpus when it sits in the context, else the instructions."""
        if (corpus := self.in_context()) is not None:
            messages = self._prefixed(corpus, "Ready?", [], [])
        else:
            messages = [{"role": "system", "content": instructions()},
                        {"role": "user", "content": "Ready?"}]
        for _ in self.model.stream(messages, max_tokens=1, temperature=0.0):
            pass
        corpus_facts(self.corpus_text())  # what the quote check reads, once per corpus

    def _prefixed(self, corpus: list[Passage], question: str, passages: list[Passage],
                  history: list[Message]) -> list[Message]:
        system = instructions() + "\n\n" + render(
            "ask_corpus", passages=_quoted(corpus))
        number = {p.id: n for n, p in enumerate(corpus, start=1)}
        pointed = [number[p.id] for p in passages if p.id in number]
        user = render("ask_pointer", numbers=pointed, question=question)
        return [{"role": "system", "content": system}, *fit(history, self.history_chars),
                {"role": "user", "content": user}]

    def messages(self, question: str, passages: list[Passage], history: list[Message],
                 query: str | None = None, asked: list[float] | None = None) -> list[Message]:
        if (corpus := self.in_context()) is not None:
            return self._prefixed(corpus, question, passages, history)
        system = instructions()
        kept = fit(history, self.history_chars)
        # Only the sentences nearest the question are read (see excerpts.py), and a passage
        # already in the conversation is already in the model's context (and its cache): only
        # new ones are sent, so a follow-up costs little to read.
        texts = excerpts(query or question, passages, self.retriever.embeddings,
                         self.excerpt_chars, asked)
        earlier = "\n".join(m["content"] for m in kept if m["role"] == "user")
        fresh = [(p, t) for p, t in zip(passages, texts, strict=True) if t not in earlier]
        user = render("ask_user", passages=_quoted([p for p, _ in fresh], [t for _, t in fresh]),
                      question=question, earlier=len(passages) - len(fresh))
        return [{"role": "system", "content": system}, *kept,
                {"role": "user", "content": user}]


def standalone(question: str, history: list[Message], max_words: int = 14) -> str:
    """A follow-up ("what did she mean by that?") made searchable on its own: a short question
    that refers back is searched together with the question before it."""
    if len(question.split()) > max_words or not REFERRING.search(question):
        return question
    asked = [m["content"] for m in history if m["role"] == "user"]
    if not asked:
        return question
    previous = ASKED.search(asked[-1])
    return f"{question} {previous.group(1).strip() if previous else asked[-1]}"


def _source(n: int, passage: Passage) -> Source:
    return Source(n, passage.essay, passage.section, passage.kind, passage.text,
                  round(passage.score, 6))


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in timings.items()}

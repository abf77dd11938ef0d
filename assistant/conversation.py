"""One turn end to end: route the message (ask, listen, advice with permission) and answer it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .ask import AskService, Delta, Done, Source, Sources
from .care import CHECK_IN, CRISIS, CareCheck, CareState, CareVerdict
from .invitations import Invitation, InvitationError, Run, Step, closing, transition
from .journal import Journal
from .listening import ListeningService, PolicyRecord
from .llm import Message
from .policy import FixingDetector, fallback_reply, sentences
from .routing import ASK as ASK_ROUTE
from .routing import INVITATION, LISTEN, ROUTES, WHAT_TO_DO, Router
from .safety import care_reply
from .textnorm import blockquote

ASK, REFLECT = "ask", "reflect"
FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|myself|we|we're|our|us)\b", re.I)
LIFE = re.compile(
    r"\b(?:feel\w*|felt|hurt\w*|sad|angry|afraid|scared|alone|lonely|tired|exhausted|lost|stuck|"
    r"worr\w+|anxious|confused|torn|frustrat\w+|overwhelm\w*|miss\w*|grie\w+|upset|ashamed|guilty|"
    r"struggl\w+|hate|love|cry\w*|argu\w+|fight\w*|fought|ignor\w+|left|leav\w+|quit\w*|"
    r"partner|husband|wife|boyfriend|girlfriend|spouse|mother|mom|mum|father|dad|parents?|"
    r"sister|brother|family|friends?|kids?|children|son|daughter|boss|team|colleagues?|"
    r"co-?workers?|neighbou?rs?|roommates?|housemates?|marriage|divorce|breakup|job|work)\b",
    re.I)
ABOUT_ESSAYS = re.compile(
    r"\b(?:essays?|author|writer|passages?|according to|the text|invitations?|concepts?|"
    r"what does .{1,60} mean|what is meant|define|definition)\b", re.I)
ASKS_WHAT_TO_DO = re.compile(
    r"\b(?:what should i|what do i do|what can i do|what would you do|any advice|give me advice|"
    r"advise me|tell me what to do|should i\b|what's the right thing|"
    r"how (?:do|can|should) i (?:deal|handle|cope|fix|get|make|stop|tell|talk|respond|approach)|"
    r"help me (?:decide|figure|fix|solve))", re.I)
# What asking looks like, in any words: the meaning router's what_to_do is kept only where the
# message asks. On listening sets 1-20 (development data) it sent 55 of 869 messages to the
# offer of the essays' perspectives, 8 of them statements that asked nothing ("My landlord is
# selling the flat"; set 21's deposit given to a mother-in-law's care, "I'd do it again", was
# told "Whatever you decide is yours to decide"); all 54 messages written to ask what to do ask.
ASKING = re.compile(
    r"\?|\b(?:should|shall|ought|wh(?:at|ether|ich) (?:to|do|should|would|can|could)|"
    r"how (?:to|do|can|should|could)|don'?t know (?:whether|if|what|how|where|when|who)|"
    r"not sure (?:whether|if|what|how)|wondering|advice|advise|help me|tell me|"
    r"any (?:ideas|tips|thoughts)|do i|can i|would you)\b", re.I)
YES = re.compile(r"^\s*(?:yes|yeah|yep|sure|ok|okay|please|go ahead|i'd like that|"
                 r"that would help|alright|why not)\b", re.I)
MOVE_ON = re.compile(r"\b(?:move on|moving on|ready|i'm ready|next|continue|done)\b", re.I)
RESUME = re.compile(r"^\s*(?:resume|continue|let's continue|go on|back to (?:it|the invitation))\b",
                    re.I)
TYPED = {"begin": re.compile(r"begin|start"), "skip": re.compile(r"skip(?: this)?"),
         "stop": re.compile(r"stop|pause|stop here"),
         "stay": re.compile(r"stay(?: here)?(?: a while)?|stay here a while|wait")}
NO = re.compile(r"^\s*(?:no|nope|not now|not really|no thanks|i'm ok|i'm fine|rather not)\b", re.I)

OFFER = ("Whatever you decide is yours to decide. If you want, I can share what the essays say "
         "about this, as perspectives you can take or leave. Would you like that?")
DECLINED = "Of course. I'm here to listen, whenever you want to say more."
HEARD = ("Thank you for answering me. I'm here and listening: say as much or as little as you "
         "like about what's going on.")  # after a check-in answered no
PERSPECTIVES = ("Here is what the essays say that may bear on this; take what fits and leave "
                "the rest.")


def is_personal(message: str) -> bool:
    """A message about the person's own life, rather than a question about the essays."""
    if ABOUT_ESSAYS.search(message) and not ASKS_WHAT_TO_DO.search(message):
        return False
    return bool(FIRST_PERSON.search(message) and LIFE.search(message))


def asks_what_to_do(message: str) -> bool:
    return bool(ASKS_WHAT_TO_DO.search(message))


@dataclass
class Conversation:
    """What one person's conversation holds between turns (kept in their browser session)."""

    ask_history: list[Message] = field(default_factory=list)
    listen_history: list[Message] = field(default_factory=list)
    offer: str | None = None  # the message that asked what to do, while an offer is open
    care: CareState = field(default_factory=CareState)  # carried risk: it never goes down
    run: Run | None = None  # the invitation under way, paused or just finished
    owner: str = "local"  # who this conversation belongs to (the signed-in name, if any)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # whose words the model keeps
    region: str | None = None  # where the person is, for the crisis resources (the page's)
    stored: str | None = None  # the id of the stored conversation, once a message is kept

    def take_back(self, message: str) -> None:
        """The turn that began with `message` forgotten: out of the history the next turn is
        given, and out of the model's memory (a new key). The care it disclosed stays: carried
        risk never goes down."""
        for history in (self.ask_history, self.listen_history):
            said = [i for i, m in enumerate(history) if m["role"] == "user"]
            if said and history[said[-1]]["content"] == message:
                del history[said[-1]:]
        self.offer = None
        self.key = uuid.uuid4().hex

    @property
    def crisis(self) -> bool:
        """Once a crisis or an acute sign was disclosed, or asked about and not answered no,
        the resources stay on the page."""
        return self.care.level is not None or self.care.pending


@dataclass
class Turn:
    mode: str  # the mode the person chose
    route: str  # ask | listen | offer | perspectives | declined | not_in_essays | crisis | care
    # | check_in (asked directly about suicide) | check_in_declined
    text: str
    sources: list[Source] = field(default_factory=list)
    policy: PolicyRecord | None = None
    timings: dict[str, float] = field(default_factory=dict)
    crisis: str | None = None  # the kind of crisis this message carried, if any
    care: str | None = None  # the kind of acute sign (the care level), if any


@dataclass(frozen=True)
class Finished:
    turn: Turn


TurnEvent = Sources | Delta | Finished


class Companion:
    """Routes each message to asking or listening, keeping the no-fixing rule in every mode."""

    def __init__(self, ask: AskService, listening: ListeningService, detector: FixingDetector,
                 care: CareCheck | None = None, region: str = "US",
                 invitations: list[Invitation] | None = None,
                 journal: Journal | None = None, router: Router | None = None) -> None:
        self.ask = ask
        self.router = router
        self.listening = listening
        self.detector = detector
        self.care = care or CareCheck()
        self.region = region
        self.invitations = {i.id: i for i in invitations or []}
        self._invitation_vectors: list[list[float]] | None = None
        self.journal = journal

    def turn(self, conversation: Conversation, message: str, mode: str = ASK,
             verdict: CareVerdict | None = None) -> Iterator[TurnEvent]:
        """One turn; `verdict`: the care check of this message, if the caller already read it
        with the conversation's carried state (the page does, to answer a crisis at once)."""
        offer, conversation.offer = conversation.offer, None
        if verdict is None:
            verdict = self.care.check(message, conversation.care)
        if cared := self._care_first(conversation, message, mode, verdict):
            yield from self._say(conversation, message, cared)
        elif verdict.kind == "check_in_declined" and len(message.split()) <= 4:
            yield from self._say(conversation, message, Turn(mode, "check_in_declined", HEARD))
        elif conversation.run is not None and (
                conversation.run.active or (conversation.run.step == Step.STOPPED
                                            and RESUME.search(message))):
            yield from self._in_invitation(conversation, message, mode)
        elif offer and YES.search(message):
            yield from self._perspectives(conversation, offer, mode)
        elif offer and NO.search(message):
            yield from self._say(conversation, message, Turn(mode, "declined", DECLINED))
        elif (route := self.route(message, mode)) == INVITATION:
            yield from self.start(conversation, self._nearest_invitation(message), mode, message)
        elif route in (LISTEN, WHAT_TO_DO):
            yield from self._listen(conversation, message, mode, offer=route == WHAT_TO_DO)
        else:
            yield from self._ask(conversation, message, mode)

    def route(self, message: str, mode: str = ASK) -> str:
        """ask | listen | what_to_do | invitation: by meaning when there is a router (the
        shipped app), else by the word lists; in reflect mode never an essay answer."""
        allowed = tuple(r for r in ROUTES if (r != ASK_ROUTE or mode != REFLECT)
                        and (r != INVITATION or self.invitations))
        if self.router is not None:
            route = self.router.route(message, allowed).name
            return LISTEN if route == WHAT_TO_DO and not ASKING.search(message) else route
        if asks_what_to_do(message):
            return WHAT_TO_DO
        return LISTEN if mode == REFLECT or is_personal(message) else ASK_ROUTE

    def _nearest_invitation(self, message: str) -> str:
        """The invitation whose title and text are nearest the message ("the one about the
        heart"); the first one when there is nothing to go by."""
        ids = list(self.invitations)
        if self.router is None or len(ids) == 1:
            return ids[0]
        embed = self.router.embeddings
        if self._invitation_vectors is None:  # the invitations do not change: embedded once
            self._invitation_vectors = embed.embed_documents(
                [f"{i.title}. {i.text}" for i in self.invitations.values()])
        query = embed.embed_query(message)
        scores = [sum(a * b for a, b in zip(query, v, strict=True))
                  for v in self._invitation_vectors]
        return ids[scores.index(max(scores))]

    def _care_first(self, conversation: Conversation, message: str,
                    mode: str, verdict: CareVerdict | None = None) -> Turn | None:
        """The fixed care reply when this message, read with the conversation's carried risk,
        shows a crisis or an acute sign; a running invitation pauses, resumable."""
        if verdict is None:
            verdict = self.care.check(message, conversation.care)
        if verdict.level is None:
            return None
        text = care_reply(verdict, conversation.region or self.region)
        run = conversation.run
        if run is not None and run.active:
            transition(run, "stop")
            text += "\n\nThe invitation is paused; it can wait for as long as you need."
        route = {CRISIS: "crisis", CHECK_IN: "check_in"}.get(verdict.level, "care")
        return Turn(mode, route, text, crisis=verdict.crisis, care=verdict.care)

    def _ask(self, conversation: Conversation, message: str, mode: str) -> Iterator[TurnEvent]:
        for event in self.ask.stream(message, conversation.ask_history, conversation.key):
            if isinstance(event, Done):
                answer = event.answer
                conversation.ask_history += answer.history()
                route = "ask" if answer.sources else "not_in_essays"
                yield Finished(Turn(mode, route, answer.text, answer.sources,
                                    timings=answer.timings))
            else:
                yield event

    def _listen(self, conversation: Conversation, message: str,
                mode: str, offer: bool = False) -> Iterator[TurnEvent]:
        reply = self.listening.reply(message, conversation.listen_history, conversation.key)
        text, route = reply.text, "listen"
        if offer:
            text, route = f"{reflection_only(text)} {OFFER}".strip(), "offer"
            conversation.offer = message
        # The whole reply the person sees, offer included, but for their own words said back
        # ("you have to answer every message" is theirs, not advice).
        own = reply.said_back
        checked = "".join(text.split(own)) if own else text
        if self.detector.check(checked).fixing:
            text = fallback_reply(message) if route == "listen" else OFFER
            reply.policy.status, reply.policy.fallback = "fallback", True
        yield from self._say(conversation, message,
                             Turn(mode, route, text, [], reply.policy, reply.timings))

    def _perspectives(self, conversation: Conversation, topic: str,
                      mode: str) -> Iterator[TurnEvent]:
        """After the person accepted the offer: what the essays say, checked before it is shown."""
        start = time.perf_counter()
        answer = self.ask.answer(topic)
        record = PolicyRecord()
        body = answer.text
        verdict = self.detector.check(body)
        if verdict.fixing or not answer.grounded:
            record.violations = verdict.reasons
            record.status, record.fallback = "fallback", True
            cited = [s for s in answer.sources if s.cited] or answer.sources[:2]
            body = " ".join(f"“{s.text.split(chr(10))[0]}” [{s.n}]" for s in cited)
        text = f"{PERSPECTIVES}\n\n{body}" if body else DECLINED
        yield from self._say(conversation, "Yes, please.",
                             Turn(mode, "perspectives", text, answer.sources, record,
                                  {"total_s": round(time.perf_counter() - start, 3)}))

    def _say(self, conversation: Conversation, message: str, turn: Turn) -> Iterator[TurnEvent]:
        """A whole reply: kept in the listening history, then shown."""
        conversation.listen_history += [{"role": "user", "content": message},
                                        {"role": "assistant", "content": turn.text}]
        yield Sources(turn.sources)
        yield Delta(turn.text)
        yield Finished(turn)


    # Invitations --------------------------------------------------------------------------
    def start(self, conversation: Conversation, invitation_id: str,
              mode: str = REFLECT, said: str | None = None) -> Iterator[TurnEvent]:
        """Offer an invitation (from its button, or `said`: the message that asked for it)."""
        invitation = self.invitations.get(invitation_id)
        if invitation is None:
            raise InvitationError(f"No invitation {invitation_id!r}; `reflect invitations` "
                                  "lists them.")
        conversation.run = Run(invitation)
        text = (f"Would you like to try the invitation “{invitation.title}” from "
                f"*{invitation.essay}*? We'll go at your pace: you can stay with any step, skip "
                "it, or stop and come back later. Say “begin” when you're ready.")
        yield from self._say(conversation, said or invitation.title,
                             Turn(mode, "invitation", text))

    def act(self, conversation: Conversation, action: str, text: str = "",
            mode: str = REFLECT, checked: bool = False) -> Iterator[TurnEvent]:
        """A step of the running invitation, from a button or a typed word."""
        run = conversation.run
        if run is None:
            raise InvitationError("No invitation is running: pick one to begin.")
        reflection = ""
        if not checked and text.strip() and (
                cared := self._care_first(conversation, text, mode)):
            yield from self._say(conversation, text, cared)
            return
        if action == "answer" and run.step == Step.QUESTION and text.strip():
            reflection = reflection_only(
                self.listening.reply(text, conversation.listen_history,
                                    conversation.key).text)
        transition(run, action, text)
        said = self._step_text(run, action, conversation.owner)
        out = "\n\n".join(part for part in (reflection, said) if part)
        yield from self._say(conversation, text or action, Turn(mode, "invitation", out))

    def _step_text(self, run: Run, action: str, conversation_owner: str = "local") -> str:
        invitation = run.invitation
        if action == "stay":
            return "Take all the time you need. I'm here."
        if run.step == Step.STOPPED:
            return "We've paused the invitation here. Say “resume” whenever you want to return."
        if run.step == Step.PRACTICE:
            return (f"{blockquote(invitation.text)}\n\nTake all the time you need. When you're "
                    "ready, say “move on”.")
        if run.step == Step.QUESTION:
            return run.current_question()
        if run.step == Step.SAVE:
            return closing(run) + "\n\nWould you like to save this to your journal?"
        if action == "save" and self.journal is not None:
            self.journal.save(invitation.title, invitation.essay, _journal_text(run),
                              owner=conversation_owner)
            return "Saved to your journal."
        if run.saved:
            return "There is no journal to save to here, so nothing was kept."
        return "That's fine. The invitation is here whenever you want it."

    def _in_invitation(self, conversation: Conversation, message: str,
                       mode: str) -> Iterator[TurnEvent]:
        run = conversation.run
        assert run is not None
        action = _typed_action(run, message)
        if action is not None:
            yield from self.act(conversation, action, message if action == "answer" else "",
                                mode, checked=True)
        elif ABOUT_ESSAYS.search(message) and message.rstrip().endswith("?"):
            answer = self.ask.answer(message, conversation.ask_history)
            back = self._step_text(run, "resume")
            text = f"{answer.text}\n\nBack to the invitation, where we were:\n\n{back}"
            yield Sources(answer.sources)
            yield Delta(text)
            yield Finished(Turn(mode, "invitation", text, answer.sources))
        else:
            yield from self._say(conversation, message, Turn(
                mode, "invitation", "Take your time. When you're ready, say “move on”."))


def stored_meta(turn: Turn, conversation: Conversation) -> dict[str, Any]:
    """What is stored with a reply, so a resumed conversation keeps its route and its care."""
    return {"route": turn.route, "crisis": turn.crisis, "care": turn.care,
            "carried": conversation.care.as_dict()}


def final_turn(events: Iterable[object]) -> Turn:
    """Run a turn to its end and return what it said."""
    return next(event.turn for event in events if isinstance(event, Finished))


def reflection_only(text: str) -> str:
    """A listening reply without its question (where another question follows it)."""
    return " ".join(s for s in sentences(text) if not s.endswith("?"))


def _typed_action(run: Run, message: str) -> str | None:
    """The invitation step a typed message asks for, if any."""
    words = message.strip().lower().rstrip(".!")
    if RESUME.search(words) and run.step == Step.STOPPED:
        return "resume"
    for action, pattern in TYPED.items():
        if pattern.fullmatch(words):
            return action
    if run.step == Step.OFFERED:
        return "begin" if YES.search(message) else "decline" if NO.search(message) else None
    if run.step == Step.SAVE:
        return "save" if YES.search(message) else "decline" if NO.search(message) else None
    if run.step == Step.PRACTICE:
        return "move_on" if MOVE_ON.search(words) else None
    if run.step == Step.QUESTION:
        return None if ABOUT_ESSAYS.search(message) and message.rstrip().endswith("?") else (
            "answer")
    return None


def _journal_text(run: Run) -> str:
    return "\n\n".join(f"**{question}**\n\n{answer}" for question, answer in run.answers)


def turn_json(turn: Turn) -> dict[str, Any]:
    policy = turn.policy or PolicyRecord()
    return {"reply": turn.text, "mode": turn.mode, "route": turn.route, "crisis": turn.crisis,
            "care": turn.care, "check_in": turn.route == "check_in",
            "policy": policy.as_dict(),
            "sources": [{"n": s.n, "essay": s.essay, "section": s.section, "text": s.text,
                         "score": s.score} for s in turn.sources],
            "timings": turn.timings}

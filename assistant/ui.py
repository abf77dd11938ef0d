"""The chat page: Page(assistant).build() -> gr.Blocks (never launches); launch() serves it."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import gradio as gr
from starlette.middleware import Middleware

from .ask import HELD_BACK, Delta, Source, Sources
from .auth import SignIn, check_exposure, parse_users
from .care import CareState
from .config import listed
from .conversation import ASK, REFLECT, Conversation, Finished, Turn, final_turn
from .errors import AssistantError
from .history import Stored
from .invitations import Step
from .mapview import concept_markdown, map_svg
from .safety import crisis_regions, resources_markdown
from .sanitize import page_text
from .service import Accepted, Assistant, export_name
from .textnorm import blockquote
from .webguard import SameSiteGuard, page_names

log = logging.getLogger(__name__)

INTRO = (
    "### Reflect\n"
    "**Ask** about the essays on interdependence: answers come only from the essays, with "
    "numbered citations, and the passages are shown beside the chat. **Reflect**: say what is on "
    "your mind and be listened to, not fixed. Everything runs on this computer."
)
MODES = {"Ask": ASK, "Reflect": REFLECT}
CONTROLS = {"begin": "Begin", "move_on": "Move on", "skip": "Skip",
            "stay": "Stay here a while", "stop": "Stop", "resume": "Resume",
            "save": "Save to journal", "decline": "Not now"}
# Ways in for both modes: a question about the essays, or something of one's own to be heard.
STARTERS = [["What does the essay mean by “interdependence is not sameness”?", "Ask"],
            ["How can people decide together and still keep their sovereignty?", "Ask"],
            ["What does it mean to listen instead of fixing?", "Ask"],
            ["Something happened today that I keep thinking about.", "Reflect"],
            ["I'm not sure what I feel about a conversation with my mother.", "Reflect"],
            ["Could we try one of the invitations together?", "Reflect"]]
PLACEHOLDERS = {"Ask": "Ask about the essays…", "Reflect": "What is on your mind?"}
ROUTES = {"crisis": "Cared", "care": "Cared", "invitation": "Guided", "ask": "Answered",
          "not_in_essays": "Answered", "listen": "Listened", "offer": "Listened",
          "perspectives": "Shared the essays", "declined": "Listened", "check_in": "Cared",
          "check_in_declined": "Listened"}
NO_SOURCES = "*Passages used for an answer appear here.*"
CSS = """
#invitation { border-left: 4px solid #5b7fa6; padding-left: 0.8em; font-size: 1.05em; }
#crisis { border: 2px solid #c0504d; border-radius: 8px; padding: 0.4em 0.8em; }
#sources blockquote { font-size: 0.92em; margin: 0.3em 0 0.9em 0; }
#status { font-size: 0.85em; opacity: 0.8; }
"""

Chat = list[dict[str, Any]]


def sources_markdown(sources: list[Source], done: bool) -> str:
    if not sources:
        return NO_SOURCES if not done else "*No passage in the essays matched this question.*"
    cited = [s for s in sources if s.cited] if done else sources
    rest = [s for s in sources if not s.cited] if done else []
    blocks = [_source_block(s) for s in cited or sources]
    if done and cited and rest:
        blocks.append("**Also consulted**")
        blocks.extend(_source_block(s) for s in rest)
    return "\n\n".join(blocks)


def _source_block(source: Source) -> str:
    where = f"{source.essay} — {source.section}" if source.section else source.essay
    label = " · invitation" if source.kind == "invitation" else ""
    quoted = blockquote(page_text(source.text))
    where = page_text(where)
    if source.held_back:
        return f"**⚠** *{where}*\n\n*{HELD_BACK}*\n\n{quoted}"
    return f"**[{source.n}]** *{where}*{label}\n\n{quoted}"


def status_markdown(assistant: Assistant) -> str:
    try:
        count = assistant.index.count()
    except AssistantError as exc:
        return f"⚠️ {exc}"
    return f"Index: {count} passages from `{assistant.settings.corpus_dir}`."


def turn_status(turn: Turn) -> str:
    timings = turn.timings
    first = timings.get("first_token_s")
    head = f"first words after {first:.1f} s, " if first is not None else ""
    kind = ROUTES.get(turn.route, "Answered")
    return f"{kind}: {head}complete in {timings.get('total_s', 0.0):.1f} s."


def owner_of(request: gr.Request | None) -> str:
    """Whose conversations these are: the signed-in name, or the one local person."""
    return str(getattr(request, "username", None) or "local")


def rebuild(stored: list[Stored], owner: str) -> tuple[Chat, Conversation]:
    """A stored conversation as the page shows it and as the assistant continues it."""
    chat: Chat = [{"role": m.role, "content": page_text(m.content)} for m in stored]
    conversation = Conversation(owner=owner)
    for question, reply in zip(stored[::2], stored[1::2], strict=False):
        pair = [{"role": "user", "content": question.content},
                {"role": "assistant", "content": reply.content}]
        if reply.meta.get("route") in ("ask", "not_in_essays"):
            conversation.ask_history += pair
        else:
            conversation.listen_history += pair
        if carried := reply.meta.get("carried"):
            conversation.care = CareState.from_dict(carried)
        elif reply.meta.get("crisis") and conversation.care.level is None:
            conversation.care = CareState("crisis", str(reply.meta["crisis"]))
    conversation.care.recent = [m.content for m in stored if m.role == "user"][-3:]
    return chat, conversation


class Places:
    """Whose turn it is with the model: first come, first served. Gradio's own queue would
    make a message that needs the care reply (no model at all) wait behind other people's
    answers, so turns queue here instead, each waiting person told their place."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._line: list[object] = []

    @contextmanager
    def place(self) -> Iterator[Iterator[int]]:
        """Hold a place in line while inside; what it gives yields how many are ahead, while
        there are any (the page shows it), and ends when it is this one's turn."""
        mine = object()
        with self._changed:
            self._line.append(mine)
        try:
            yield self._wait(mine)
        finally:
            with self._changed:
                self._line.remove(mine)
                self._changed.notify_all()

    def _wait(self, mine: object) -> Iterator[int]:
        shown = None
        while True:
            with self._changed:
                ahead = self._line.index(mine)
                if ahead == 0:
                    return
                if ahead != shown:
                    shown = ahead
                else:
                    self._changed.wait(timeout=0.5)
                    continue
            yield ahead


class Page:
    """The chat page: its parts, named, and what each does. Handlers return a dict of the
    parts they change (Gradio leaves the others as they are), never positional tuples."""

    def __init__(self, assistant: Assistant, warmed: threading.Event | None = None) -> None:
        self.assistant = assistant
        self.store = assistant.history
        self.library = list(assistant.companion.invitations.values())
        self.places = Places()  # whose turn it is with the model
        self.warmed = warmed  # set when the warm-up is done (None: nothing to wait for)

    # What the page shows

    def status_text(self) -> str:
        if self.warmed is not None and not self.warmed.is_set():
            return ("Getting ready: loading the model and reading the essays. You can write "
                    "already; the first reply may take a little longer.")
        return status_markdown(self.assistant)

    def past_choices(self, owner: str) -> Any:
        items = [(f"{c.title} · {time.strftime('%d %b %H:%M', time.localtime(c.updated))}",
                  c.id) for c in self.store.summaries(owner)]
        return gr.update(choices=items, value=items[0][1] if items else None)

    def crisis_panel(self, show: bool, region: str | None) -> Any:
        return gr.update(visible=show, value=resources_markdown(region or self.region))

    @property
    def region(self) -> str:
        return self.assistant.settings.crisis_region

    def invitation_parts(self, conversation: Conversation) -> dict[Any, Any]:
        """Step indicator, the invitation's own words (set apart), and the controls."""
        run = conversation.run
        if run is None:
            return {self.step: "", self.practice: gr.update(visible=False),
                    self.controls: gr.update(visible=False)}
        text = blockquote(page_text(run.invitation.text))
        where = f"*{run.invitation.essay}*" + (f" — {run.invitation.section}"
                                               if run.invitation.section else "")
        return {self.step: f"**{run.invitation.title}** · {run.progress()}",
                self.practice: gr.update(visible=True, value=f"{text}\n\n{where}"),
                self.controls: gr.update(visible=run.step != Step.DONE)}

    # A message and its reply

    def respond(self, message: str, chat: Chat, conversation: Conversation | None, mode: str,
                region: str | None,
                request: gr.Request | None = None) -> Iterator[dict[Any, Any]]:
        conversation = conversation or Conversation(owner=owner_of(request))
        conversation.region = region or self.region
        events = self.assistant.turn(conversation, message, MODES[mode])
        try:
            accepted = next(events)  # limits checked, stored, the care check read
        except AssistantError as exc:
            gr.Warning(str(exc))
            yield {self.chatbot: chat, self.conversation: conversation, self.box: message}
            return
        assert isinstance(accepted, Accepted)
        chat = [*chat, {"role": "user", "content": page_text(accepted.text)},
                {"role": "assistant", "content": ""}]
        working = "Listening…" if MODES[mode] == REFLECT else "Answering…"
        yield {self.chatbot: chat, self.conversation: conversation, self.box: "",
               self.sources: "*Searching the essays…*", self.status: working}
        if accepted.verdict.level:  # the care reply needs no model: it waits for no one
            yield from self.turn_events(chat, conversation, events)
            return
        with self.places.place() as line:
            for ahead in line:  # the chat in every update: API clients read it from each
                yield {self.chatbot: chat,
                       self.status: f"Waiting for the model: {ahead} "
                                    f"{'person' if ahead == 1 else 'people'} ahead of you…"}
            yield {self.chatbot: chat, self.status: working}
            yield from self.turn_events(chat, conversation, events)

    def turn_events(self, chat: Chat, conversation: Conversation,
                    events: Iterator[Any]) -> Iterator[dict[Any, Any]]:
        said = ""
        sources: list[Source] = []
        try:
            for event in events:
                if isinstance(event, Sources):
                    sources = event.sources
                    yield {self.chatbot: chat, self.sources: sources_markdown(sources, False)}
                elif isinstance(event, Delta):
                    said += event.text
                    chat[-1]["content"] = page_text(said)
                    yield {self.chatbot: chat}
                elif isinstance(event, Finished):
                    turn = event.turn
                    chat[-1]["content"] = page_text(turn.text)
                    answered = turn.sources or turn.route == "not_in_essays"
                    yield {self.chatbot: chat, self.conversation: conversation, self.box: "",
                           # a reflection is not a search that found nothing
                           self.sources: sources_markdown(turn.sources, True) if answered
                           else NO_SOURCES,
                           self.status: turn_status(turn),
                           self.crisis: self.crisis_panel(conversation.crisis,
                                                          conversation.region),
                           **self.invitation_parts(conversation),
                           self.past: self.past_choices(conversation.owner)}
        except AssistantError as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield {self.chatbot: chat, self.conversation: conversation, self.box: "",
                   self.sources: sources_markdown(sources, True), self.status: "Not answered."}

    def take_back(self, chat: Chat, conversation: Conversation | None,
                  request: gr.Request | None = None) -> dict[Any, Any]:
        """Undo: the last message and its reply taken back from the page, the store and what
        the model is given next; the message is put back in the box."""
        owner = owner_of(request)
        if conversation is not None and conversation.run is not None and \
                conversation.run.active:
            gr.Warning("An invitation is under way: Stop or Skip it instead.")
            return {}
        saved = conversation.stored if conversation is not None else None
        said = self.store.take_back(saved, owner) if saved else None
        users = [i for i, m in enumerate(chat) if m["role"] == "user"]
        if said is None or not users:
            return {}
        if conversation is not None:
            conversation.take_back(said)
        return {self.chatbot: chat[:users[-1]], self.conversation: conversation, self.box: said}

    def start_over(self, region: str | None) -> dict[Any, Any]:
        return {self.chatbot: [], self.conversation: None, self.box: "",
                self.sources: NO_SOURCES, self.status: self.status_text(),
                self.crisis: self.crisis_panel(False, region),
                **self.invitation_parts(Conversation())}

    # Invitations

    def start_invitation(self, invitation_id: str, chat: Chat,
                         conversation: Conversation | None,
                         request: gr.Request | None = None) -> dict[Any, Any]:
        conversation = conversation or Conversation()
        conversation.owner = owner_of(request)
        if not invitation_id:
            gr.Warning("Pick an invitation first.")
            return {self.chatbot: chat, self.conversation: conversation,
                    **self.invitation_parts(conversation)}
        return self._run_step(chat, conversation, lambda: self.assistant.companion.start(
            conversation, invitation_id), "Offer this invitation")

    def acting(self, action: str) -> Any:
        """The handler of one invitation button (Gradio passes the request to a named
        parameter of the handler itself, not through functools.partial)."""
        def handler(chat: Chat, conversation: Conversation | None,
                    request: gr.Request | None = None) -> dict[Any, Any]:
            conversation = conversation or Conversation()
            conversation.owner = owner_of(request)
            return self._run_step(chat, conversation, lambda: self.assistant.companion.act(
                conversation, action), CONTROLS[action])
        return handler

    def _run_step(self, chat: Chat, conversation: Conversation, step: Any,
                  label: str) -> dict[Any, Any]:
        try:
            turn = final_turn(step())
        except AssistantError as exc:
            gr.Warning(str(exc))
        else:
            chat = [*chat, {"role": "user", "content": f"*{label}*"},
                    {"role": "assistant", "content": page_text(turn.text)}]
        return {self.chatbot: chat, self.conversation: conversation,
                **self.invitation_parts(conversation)}

    # Your conversations and journal

    def list_past(self, request: gr.Request) -> Any:
        return self.past_choices(owner_of(request))

    def resume_conversation(self, chosen: str | None, region: str | None,
                            request: gr.Request | None = None) -> dict[Any, Any]:
        owner = owner_of(request)
        if not chosen:
            gr.Warning("Pick a conversation to resume.")
            return {}
        chat, conversation = rebuild(self.store.messages(chosen, owner), owner)
        conversation.stored = chosen
        return {self.chatbot: chat, self.conversation: conversation, self.sources: NO_SOURCES,
                self.crisis: self.crisis_panel(conversation.crisis, region)}

    def delete_conversation(self, chosen: str | None, conversation: Conversation | None,
                            request: gr.Request | None = None) -> dict[Any, Any]:
        owner = owner_of(request)
        current = conversation.stored if conversation is not None else None
        if chosen:
            self.assistant.delete_conversation(chosen, owner)
        changed: dict[Any, Any] = {self.past: self.past_choices(owner)}
        if chosen is not None and chosen == current:  # the one on the page: cleared
            changed.update({self.chatbot: [], self.conversation: None})
        return changed

    def export_conversation(self, chosen: str | None, conversation: Conversation | None,
                            request: gr.Request | None = None) -> Any:
        owner = owner_of(request)
        which = chosen or (conversation.stored if conversation is not None else None)
        if not which:
            gr.Warning("There is no conversation to export yet.")
            return gr.skip()
        return str(self.assistant.served_export(owner, which, export_name(which),
                                                self.store.export_markdown(which, owner)))

    def export_journal(self, request: gr.Request | None = None) -> Any:
        owner = owner_of(request)
        journal = self.assistant.companion.journal
        if journal is None:
            return gr.skip()
        return str(self.assistant.served_export(owner, "journal", "journal.md",
                                                journal.export_markdown(owner)))

    def delete_all(self, request: gr.Request | None = None) -> dict[Any, Any]:
        self.assistant.delete_everything_of(owner_of(request))
        gr.Info("Everything you wrote here has been deleted.")
        return {self.past: gr.update(choices=[], value=None), self.chatbot: [],
                self.conversation: None, self.download: None}

    # The map of ideas

    def show_map(self) -> dict[Any, Any]:
        built = self.assistant.concepts.load()  # as last made: a re-ingest shows next visit
        names = [c.name for c in built.concepts] if built is not None else []
        return {self.picture: map_svg(built), self.ideas: gr.update(choices=names, value=None)}

    def choose_concept(self, name: str | None) -> dict[Any, Any]:
        built = self.assistant.concepts.load()
        concept = built.concept(name) if built is not None and name else None
        invitations = self.assistant.companion.invitations
        return {self.card: concept_markdown(built, name), self.picture: map_svg(built, name),
                self.ask_it: gr.update(visible=concept is not None),
                self.invite_it: gr.update(visible=concept is not None
                                          and concept.invitation in invitations)}

    def invitation_of(self, name: str | None, chat: Chat, conversation: Conversation | None,
                      request: gr.Request | None = None) -> dict[Any, Any]:
        built = self.assistant.concepts.load()
        concept = built.concept(name) if built is not None and name else None
        chosen = concept.invitation if concept is not None else None
        return {**self.start_invitation(chosen or "", chat, conversation, request),
                self.tabs: gr.Tabs(selected="talk")}

    # Settings, kept in this browser (not secret: a region and a colour scheme)

    def restore_settings(self, kept: dict[str, Any] | None) -> dict[Any, Any]:
        kept = kept or {}
        region = kept.get("region") if kept.get("region") in crisis_regions() else self.region
        return {self.region_choice: region, self.region_state: region,
                self.dark: bool(kept.get("dark", False))}

    def change_settings(self, region: str, dark: bool, conversation: Conversation | None
                        ) -> dict[Any, Any]:
        shown = conversation is not None and conversation.crisis
        if conversation is not None:
            conversation.region = region
        return {self.region_state: region, self.prefs: {"region": region, "dark": dark},
                self.crisis: self.crisis_panel(shown, region)}

    def tick(self) -> dict[Any, Any]:
        """While the model warms up, the status says so; once warm, the timer stops."""
        warm = self.warmed is None or self.warmed.is_set()
        return {self.status: self.status_text(), self.timer: gr.Timer(active=not warm)}

    # Layout and wiring

    def build(self) -> gr.Blocks:
        # Gradio keeps a copy of every file it serves: keep those copies with the person's data.
        os.environ["GRADIO_TEMP_DIR"] = str(self.assistant.served_dir)
        with gr.Blocks(title="Reflect") as demo:
            self._layout()
            self._wire(demo)
        return demo

    def _layout(self) -> None:
        settings = self.assistant.settings
        gr.Markdown(INTRO)
        self.status = gr.Markdown(self.status_text(), elem_id="status", render=False)
        self.conversation = gr.State(None)
        self.region_state = gr.State(self.region)
        self.prefs = gr.BrowserState({}, storage_key="reflect-settings",
                                     secret="reflect-page-settings")
        self.timer = gr.Timer(1.0, active=self.warmed is not None)
        with gr.Tabs(selected="talk") as self.tabs, gr.Tab("Conversation", id="talk"), \
                gr.Row():
            with gr.Column(scale=3):
                self.chatbot = gr.Chatbot(label="Conversation", height=520, elem_id="chat",
                                          feedback_options=None, buttons=["copy"])
                with gr.Row():
                    self.box = gr.Textbox(placeholder="Ask about the essays…", show_label=False,
                                          scale=5, autofocus=True, elem_id="message",
                                          max_length=settings.max_message_chars)
                    self.send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                    self.stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
                with gr.Group(elem_id="invitations"):
                    with gr.Row():
                        self.picker = gr.Dropdown(
                            [(f"{i.title} — {i.essay}", i.id) for i in self.library],
                            value=self.library[0].id if self.library else None,
                            label="Invitations",
                            info="Short reflection practices from the essays, step by step.",
                            elem_id="picker", scale=4)
                        self.offer = gr.Button("Offer this invitation", elem_id="offer",
                                               scale=1)
                    self.step = gr.Markdown(elem_id="step")
                    self.practice = gr.Markdown(visible=False, elem_id="invitation")
                    with gr.Row(visible=False, elem_id="controls") as self.controls:
                        self.buttons = {action: gr.Button(label, size="sm",
                                                          elem_id=f"do-{action}")
                                        for action, label in CONTROLS.items()}
                with gr.Row():
                    self.mode = gr.Radio(list(MODES), value="Ask", label="Mode",
                                         elem_id="mode", scale=3,
                                         info="Ask about the essays, or Reflect: be listened "
                                              "to.")
                    self.new = gr.Button("New conversation", size="sm", elem_id="new",
                                         scale=1)
                with gr.Column(elem_id="starters"):
                    gr.Examples(STARTERS, [self.box, self.mode],
                                label="To begin: click one, then Send",
                                examples_per_page=len(STARTERS))
            with gr.Column(scale=2):
                self.crisis = gr.Markdown(resources_markdown(self.region), visible=False,
                                          elem_id="crisis")
                gr.Markdown("#### Sources")
                self.sources = gr.Markdown(NO_SOURCES, elem_id="sources")
        with self.tabs, gr.Tab("Map of ideas", id="map", elem_id="map-tab"):
            gr.Markdown("The ideas the essays develop, each defined in the essays' own words, "
                        "and the links the text makes between them. Choose one.")
            with gr.Row():
                with gr.Column(scale=3):
                    self.picture = gr.HTML(elem_id="map-picture")
                with gr.Column(scale=2):
                    made = self.assistant.concepts.load()  # refreshed at each visit
                    self.ideas = gr.Radio([c.name for c in made.concepts] if made else [],
                                          label="Ideas", elem_id="ideas")
                    self.card = gr.Markdown(concept_markdown(None, None), elem_id="concept")
                    with gr.Row():
                        self.ask_it = gr.Button("Ask about it", size="sm",
                                                elem_id="ask-concept", visible=False)
                        self.invite_it = gr.Button("Begin its invitation", size="sm",
                                                   elem_id="invite-concept", visible=False)
        self.status.render()
        with gr.Accordion("Your conversations and journal", open=False, elem_id="yours"):
            gr.Markdown("Kept only on this computer. Export them, or delete them at any time.")
            with gr.Row():
                self.past = gr.Dropdown([], label="Past conversations", elem_id="past",
                                        scale=3, allow_custom_value=True)  # owner-checked
                self.resume = gr.Button("Resume", size="sm", elem_id="resume", scale=1)
                self.forget = gr.Button("Delete", size="sm", elem_id="forget", scale=1)
            with gr.Row():
                self.export = gr.Button("Export conversation (Markdown)", size="sm",
                                        elem_id="export")
                self.export_journal_button = gr.Button("Export journal (Markdown)", size="sm",
                                                       elem_id="export-journal")
                self.wipe = gr.Button("Delete all my data", size="sm", variant="stop",
                                      elem_id="delete-all")
            self.download = gr.File(label="Download", visible=True, elem_id="download",
                                    interactive=False)
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            with gr.Row():
                self.region_choice = gr.Dropdown(
                    crisis_regions(), value=self.region, label="Where you are",
                    info="Which crisis lines the page shows when they are needed.",
                    elem_id="region")
                self.dark = gr.Checkbox(False, label="Dark colours", elem_id="dark")
            gr.Markdown("Kept in this browser only.")

    def _wire(self, demo: gr.Blocks) -> None:
        outputs = [self.chatbot, self.conversation, self.box, self.sources, self.status,
                   self.crisis, self.step, self.practice, self.controls, self.past]
        inputs = [self.box, self.chatbot, self.conversation, self.mode, self.region_state]
        # Not limited by Gradio's queue: turns take their places with the model in `places`,
        # so that a care reply is never held up behind someone else's answer.
        asked = self.box.submit(self.respond, inputs, outputs, api_name="ask",
                                concurrency_limit=None)
        sent = self.send.click(self.respond, inputs, outputs, api_visibility="private",
                               concurrency_limit=None)
        taking_back = ([self.chatbot, self.conversation],
                       [self.chatbot, self.conversation, self.box])
        self.chatbot.undo(self.take_back, *taking_back, api_name="undo")
        # Retry: as Undo, then the same message is sent again.
        retried = self.chatbot.retry(self.take_back, *taking_back,
                                     api_visibility="private").then(
            self.respond, inputs, outputs, api_visibility="private", concurrency_limit=None)
        # Stop ends the generation: the turn's generator is closed, which leaves the model's
        # line and stops the model mid-reply, so the next person's turn begins.
        self.stop.click(lambda: "Stopped.", None, self.status, cancels=[asked, sent, retried],
                        api_visibility="private")
        self.new.click(self.start_over, [self.region_state], outputs,
                       api_name="new_conversation")
        self.resume.click(self.resume_conversation, [self.past, self.region_state],
                          [self.chatbot, self.conversation, self.sources, self.crisis],
                          api_name="resume_conversation")
        self.forget.click(self.delete_conversation, [self.past, self.conversation],
                          [self.past, self.chatbot, self.conversation],
                          api_name="delete_conversation")
        self.export.click(self.export_conversation, [self.past, self.conversation],
                          [self.download],
                          api_name="export_conversation")
        self.export_journal_button.click(self.export_journal, None, [self.download],
                                         api_name="export_journal")
        self.wipe.click(self.delete_all, None, [self.past, self.chatbot, self.conversation,
                                                self.download],
                        api_name="delete_all_my_data")
        demo.load(self.list_past, None, [self.past], api_visibility="private")
        short = [self.chatbot, self.conversation, self.step, self.practice, self.controls]
        self.offer.click(self.start_invitation, [self.picker, self.chatbot, self.conversation],
                         short, api_name="offer_invitation")
        for action, button in self.buttons.items():
            button.click(self.acting(action), [self.chatbot, self.conversation], short,
                         api_name=f"invitation_{action}")
        self.mode.change(lambda m: gr.update(placeholder=PLACEHOLDERS[m]), self.mode,
                         self.box, api_visibility="private")
        demo.load(self.show_map, None, [self.picture, self.ideas], api_visibility="private")
        self.ideas.change(self.choose_concept, self.ideas,
                          [self.card, self.picture, self.ask_it, self.invite_it],
                          api_name="concept")
        self.ask_it.click(lambda name: (f"What do the essays say about {name}?", "Ask",
                                        gr.Tabs(selected="talk")), self.ideas,
                          [self.box, self.mode, self.tabs], api_visibility="private")
        self.invite_it.click(self.invitation_of, [self.ideas, self.chatbot, self.conversation],
                             [*short, self.tabs], api_visibility="private")
        kept = [self.region_choice, self.region_state, self.dark]
        demo.load(self.restore_settings, [self.prefs], kept, api_visibility="private")
        changed = [self.region_state, self.prefs, self.crisis]
        for widget in (self.region_choice, self.dark):
            widget.input(self.change_settings, [self.region_choice, self.dark,
                                                self.conversation], changed,
                         api_visibility="private")
        # The colour scheme is the browser's business: Gradio's dark theme is a class on body.
        self.dark.change(None, self.dark, None, api_visibility="private",
                         js="(on) => { document.body.classList.toggle('dark', on); return []; }")
        self.timer.tick(self.tick, None, [self.status, self.timer], api_visibility="private")


def build_ui(assistant: Assistant, warmed: threading.Event | None = None) -> gr.Blocks:
    return Page(assistant, warmed).build()


def warm_up(assistant: Assistant) -> threading.Event:
    """Load the models in the background so the first question does not wait for them; the
    event is set when that is done (or failed: the page then says what the turn says)."""
    done = threading.Event()

    def work() -> None:
        try:
            assistant.retriever.search("interdependence", 1)
            if assistant.companion.router is not None:
                assistant.companion.router.fit()
            assistant.ask.prime()  # loads the model and reads the essays into its cache
            if assistant.companion.care.probe is not None:
                assistant.companion.care.probe.warm()
            if assistant.companion.care.channel is not None:
                assistant.companion.care.channel.warm()
        except AssistantError as exc:
            log.warning("Warm-up failed: %s", exc)
        finally:
            done.set()

    threading.Thread(target=work, name="warm-up", daemon=True).start()
    return done


def launch(assistant: Assistant, share: bool = False, demo: gr.Blocks | None = None,
           **kwargs: Any) -> Any:
    """Serve the page; refuses share links, and other addresses without passwords."""
    settings = assistant.settings
    users = parse_users(settings.users)
    names = listed(settings.allowed_hosts)
    tls = bool(settings.tls_cert and settings.tls_key)
    check_exposure(settings.host, users, share, tls=tls, names=names)
    warmed = warm_up(assistant)
    data = settings.data_dir
    private = [str(p.resolve()) for p in (
        settings.store_dir, settings.cache_dir, settings.corpus_dir,
        *(data / f"{name}.sqlite3{suffix}" for name in ("conversations", "journal")
          for suffix in ("", "-wal", "-shm")))]
    return (demo or build_ui(assistant, warmed)).launch(
        server_name=settings.host, server_port=settings.port, share=False,
        auth=cast(Any, SignIn(users).check) if users else None,
        auth_message="Sign in to Reflect.", allowed_paths=[], blocked_paths=private,
        css=CSS, footer_links=[], max_file_size="1mb",  # the page takes no uploads
        ssl_certfile=str(settings.tls_cert) if tls else None,
        ssl_keyfile=str(settings.tls_key) if tls else None,
        app_kwargs={"middleware": [Middleware(SameSiteGuard, names=page_names(
            settings.host, names), secure=tls)]},
        **kwargs,
    )

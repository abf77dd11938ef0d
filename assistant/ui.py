"""The chat page: build_ui(assistant) -> gr.Blocks (never launches); launch() serves it."""

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
from .care import CareState, CareVerdict
from .config import listed
from .conversation import ASK, REFLECT, Conversation, Finished, Turn, final_turn, stored_meta
from .errors import AssistantError
from .history import Stored
from .invitations import Step
from .mapview import concept_markdown, map_svg
from .safety import check_message, resources_markdown
from .sanitize import page_text
from .service import Assistant, export_name
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
SKIP3 = (gr.skip(), gr.skip(), gr.skip())
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
          "perspectives": "Shared the essays", "declined": "Listened"}
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


def invitation_view(conversation: Conversation) -> tuple[Any, Any, Any]:
    """Step indicator, the invitation's own words (set apart), and the controls."""
    run = conversation.run
    if run is None:
        return "", gr.update(visible=False), gr.update(visible=False)
    text = blockquote(page_text(run.invitation.text))
    where = f"*{run.invitation.essay}*" + (f" — {run.invitation.section}"
                                           if run.invitation.section else "")
    return (f"**{run.invitation.title}** · {run.progress()}",
            gr.update(visible=True, value=f"{text}\n\n{where}"),
            gr.update(visible=run.step != Step.DONE))


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


def build_ui(assistant: Assistant) -> gr.Blocks:
    region = assistant.settings.crisis_region
    library = list(assistant.companion.invitations.values())
    store = assistant.history
    # Gradio keeps a copy of every file it serves: keep those copies with the person's data.
    os.environ["GRADIO_TEMP_DIR"] = str(assistant.served_dir)

    def past_choices(owner: str) -> Any:
        items = [(f"{c.title} · {time.strftime('%d %b %H:%M', time.localtime(c.updated))}",
                  c.id) for c in store.summaries(owner)]
        return gr.update(choices=items, value=items[0][1] if items else None)

    def list_past(request: gr.Request) -> Any:
        return past_choices(owner_of(request))

    def resume_conversation(chosen: str | None, request: gr.Request | None = None
                            ) -> tuple[Any, ...]:
        owner = owner_of(request)
        if not chosen:
            gr.Warning("Pick a conversation to resume.")
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        chat, conversation = rebuild(store.messages(chosen, owner), owner)
        return chat, conversation, chosen, NO_SOURCES, crisis_panel(conversation.crisis)

    def delete_conversation(chosen: str | None, current: str | None,
                            request: gr.Request | None = None) -> tuple[Any, ...]:
        owner = owner_of(request)
        if chosen:
            assistant.delete_conversation(chosen, owner)
        cleared = chosen is not None and chosen == current
        return (past_choices(owner), [] if cleared else gr.skip(),
                None if cleared else gr.skip(), None if cleared else gr.skip())

    def export_conversation(chosen: str | None, current: str | None,
                            request: gr.Request | None = None) -> Any:
        owner = owner_of(request)
        which = chosen or current
        if not which:
            gr.Warning("There is no conversation to export yet.")
            return gr.skip()
        return str(assistant.served_export(owner, which, export_name(which),
                                           store.export_markdown(which, owner)))

    def export_journal_file(request: gr.Request | None = None) -> Any:
        owner = owner_of(request)
        journal = assistant.companion.journal
        if journal is None:
            return gr.skip()
        return str(assistant.served_export(owner, "journal", "journal.md",
                                           journal.export_markdown(owner)))

    def delete_all(request: gr.Request | None = None) -> tuple[Any, ...]:
        assistant.delete_everything_of(owner_of(request))
        gr.Info("Everything you wrote here has been deleted.")
        return gr.update(choices=[], value=None), [], None, None, None

    def start_invitation(invitation_id: str, chat: Chat, conversation: Conversation | None,
                         request: gr.Request | None = None) -> tuple[Any, ...]:
        conversation = conversation or Conversation()
        conversation.owner = owner_of(request)
        if not invitation_id:
            gr.Warning("Pick an invitation first.")
            return chat, conversation, *invitation_view(conversation)
        return _run_step(chat, conversation, lambda: assistant.companion.start(
            conversation, invitation_id), "Offer this invitation")

    def act(action: str, chat: Chat, conversation: Conversation | None,
            request: gr.Request | None = None) -> tuple[Any, ...]:
        conversation = conversation or Conversation()
        conversation.owner = owner_of(request)
        return _run_step(chat, conversation, lambda: assistant.companion.act(
            conversation, action), CONTROLS[action])

    def acting(action: str) -> Any:
        """The handler of one invitation button (Gradio passes the request to a named
        parameter of the handler itself, not through functools.partial)."""
        def handler(chat: Chat, conversation: Conversation | None,
                    request: gr.Request | None = None) -> tuple[Any, ...]:
            return act(action, chat, conversation, request)
        return handler

    def _run_step(chat: Chat, conversation: Conversation, step: Any,
                  label: str) -> tuple[Any, ...]:
        try:
            turn = final_turn(step())
        except AssistantError as exc:
            gr.Warning(str(exc))
            return chat, conversation, *invitation_view(conversation)
        chat = [*chat, {"role": "user", "content": f"*{label}*"},
                {"role": "assistant", "content": page_text(turn.text)}]
        return chat, conversation, *invitation_view(conversation)

    def crisis_panel(show: bool) -> Any:
        return gr.update(visible=show, value=resources_markdown(region))

    places = Places()

    def respond(message: str, chat: Chat, conversation: Conversation | None, mode: str,
                saved: str | None, request: gr.Request | None = None) -> Iterator[tuple]:
        owner = owner_of(request)
        conversation = conversation or Conversation(owner=owner)
        try:
            text = check_message(message, assistant.settings.max_message_chars)
            saved = saved or store.create(owner, text)
            store.append(saved, owner, "user", text, {"mode": MODES[mode]})
        except AssistantError as exc:
            gr.Warning(str(exc))
            yield (chat, conversation, message, gr.skip(), gr.skip(), gr.skip(), *SKIP3, saved,
                   gr.skip())
            return
        chat = [*chat, {"role": "user", "content": page_text(text)},
                {"role": "assistant", "content": ""}]
        said = ""
        working = "Listening…" if MODES[mode] == REFLECT else "Answering…"
        yield (chat, conversation, "", "*Searching the essays…*", working, gr.skip(), *SKIP3,
               saved, gr.skip())
        sources: list[Source] = []
        # The care reply needs no model: it does not wait for anyone. Read once, here, with
        # what the conversation carries, and handed to the turn.
        cared = assistant.companion.care.check(text, conversation.care)
        if cared.level:
            yield from turn_events(chat, conversation, text, mode, saved, owner, said, sources,
                                   cared)
            return
        with places.place() as line:
            for ahead in line:
                waiting = (f"Waiting for the model: {ahead} "
                           f"{'person' if ahead == 1 else 'people'} ahead of you…")
                yield (chat, conversation, "", gr.skip(), waiting, gr.skip(), *SKIP3, saved,
                       gr.skip())
            yield (chat, conversation, "", gr.skip(), working, gr.skip(), *SKIP3, saved,
                   gr.skip())
            yield from turn_events(chat, conversation, text, mode, saved, owner, said, sources,
                                   cared)

    def turn_events(chat: Chat, conversation: Conversation, text: str, mode: str,
                    saved: str, owner: str, said: str, sources: list[Source],
                    cared: CareVerdict) -> Iterator[tuple]:
        try:
            for event in assistant.companion.turn(conversation, text, MODES[mode], cared):
                if isinstance(event, Sources):
                    sources = event.sources
                    yield (chat, conversation, "", sources_markdown(sources, False), gr.skip(),
                           gr.skip(), *SKIP3, saved, gr.skip())
                elif isinstance(event, Delta):
                    said += event.text
                    chat[-1]["content"] = page_text(said)
                    yield (chat, conversation, "", gr.skip(), gr.skip(), gr.skip(), *SKIP3,
                           saved, gr.skip())
                elif isinstance(event, Finished):
                    chat[-1]["content"] = page_text(event.turn.text)
                    store.append(saved, owner, "assistant", event.turn.text,
                                 stored_meta(event.turn, conversation))
                    answered = event.turn.sources or event.turn.route == "not_in_essays"
                    yield (chat, conversation, "",
                           sources_markdown(event.turn.sources, True) if answered
                           else NO_SOURCES,  # a reflection is not a search that found nothing
                           turn_status(event.turn), crisis_panel(conversation.crisis),
                           *invitation_view(conversation), saved, past_choices(owner))
        except AssistantError as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield (chat, conversation, "", sources_markdown(sources, True), "Not answered.",
                   gr.skip(), *SKIP3, saved, gr.skip())

    def take_back(chat: Chat, conversation: Conversation | None, saved: str | None,
                  request: gr.Request | None = None) -> tuple[Any, Any, Any]:
        """Undo: the last message and its reply taken back from the page, the store and what
        the model is given next; the message is put back in the box."""
        owner = owner_of(request)
        if conversation is not None and conversation.run is not None and \
                conversation.run.active:
            gr.Warning("An invitation is under way: Stop or Skip it instead.")
            return gr.skip(), gr.skip(), gr.skip()
        said = store.take_back(saved, owner) if saved else None
        users = [i for i, m in enumerate(chat) if m["role"] == "user"]
        if said is None or not users:
            return gr.skip(), gr.skip(), gr.skip()
        if conversation is not None:
            conversation.take_back(said)
        return chat[:users[-1]], conversation, said

    def show_map() -> tuple[Any, Any]:
        built = assistant.concepts.load()  # as last made: a re-ingest shows on the next visit
        names = [c.name for c in built.concepts] if built is not None else []
        return map_svg(built), gr.update(choices=names, value=None)

    def choose_concept(name: str | None) -> tuple[Any, Any, Any, Any]:
        built = assistant.concepts.load()
        concept = built.concept(name) if built is not None and name else None
        invitation = concept is not None and concept.invitation in assistant.companion.invitations
        return (concept_markdown(built, name), map_svg(built, name),
                gr.update(visible=concept is not None), gr.update(visible=invitation))

    def invitation_of(name: str | None, chat: Chat, conversation: Conversation | None,
                      request: gr.Request | None = None) -> tuple[Any, ...]:
        built = assistant.concepts.load()
        concept = built.concept(name) if built is not None and name else None
        chosen = concept.invitation if concept is not None else None
        return (*start_invitation(chosen or "", chat, conversation, request),
                gr.Tabs(selected="talk"))

    with gr.Blocks(title="Reflect") as demo:
        gr.Markdown(INTRO)
        status = gr.Markdown(status_markdown(assistant), elem_id="status", render=False)
        conversation = gr.State(None)
        saved = gr.State(None)  # the id of the stored conversation
        with gr.Tabs(selected="talk") as tabs, gr.Tab("Conversation", id="talk"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="Conversation", height=520, elem_id="chat",
                                     feedback_options=None, buttons=["copy"])
                with gr.Row():
                    box = gr.Textbox(placeholder="Ask about the essays…", show_label=False,
                                     scale=5, autofocus=True, elem_id="message",
                                     max_length=assistant.settings.max_message_chars)
                    send = gr.Button("Send", variant="primary", scale=1, elem_id="send")
                    stop = gr.Button("Stop", variant="stop", scale=1, elem_id="stop")
                with gr.Group(elem_id="invitations"):
                    with gr.Row():
                        picker = gr.Dropdown(
                            [(f"{i.title} — {i.essay}", i.id) for i in library],
                            value=library[0].id if library else None, label="Invitations",
                            info="Short reflection practices from the essays, step by step.",
                            elem_id="picker", scale=4)
                        offer = gr.Button("Offer this invitation", elem_id="offer", scale=1)
                    step = gr.Markdown(elem_id="step")
                    practice = gr.Markdown(visible=False, elem_id="invitation")
                    with gr.Row(visible=False, elem_id="controls") as controls:
                        buttons = {action: gr.Button(label, size="sm", elem_id=f"do-{action}")
                                   for action, label in CONTROLS.items()}
                with gr.Row():
                    mode = gr.Radio(list(MODES), value="Ask", label="Mode", elem_id="mode",
                                    info="Ask about the essays, or Reflect: be listened to.",
                                    scale=3)
                    new = gr.Button("New conversation", size="sm", elem_id="new", scale=1)
                with gr.Column(elem_id="starters"):
                    gr.Examples(STARTERS, [box, mode], label="To begin: click one, then Send",
                                examples_per_page=len(STARTERS))
            with gr.Column(scale=2):
                crisis = gr.Markdown(resources_markdown(region), visible=False, elem_id="crisis")
                gr.Markdown("#### Sources")
                sources = gr.Markdown(NO_SOURCES, elem_id="sources")
        with tabs, gr.Tab("Map of ideas", id="map", elem_id="map-tab"):
            gr.Markdown("The ideas the essays develop, each defined in the essays' own words, "
                        "and the links the text makes between them. Choose one.")
            with gr.Row():
                with gr.Column(scale=3):
                    picture = gr.HTML(elem_id="map-picture")
                with gr.Column(scale=2):
                    made = assistant.concepts.load()  # refreshed at each visit
                    ideas = gr.Radio([c.name for c in made.concepts] if made else [],
                                     label="Ideas", elem_id="ideas")
                    card = gr.Markdown(concept_markdown(None, None), elem_id="concept")
                    with gr.Row():
                        ask_it = gr.Button("Ask about it", size="sm", elem_id="ask-concept",
                                           visible=False)
                        invite_it = gr.Button("Begin its invitation", size="sm",
                                              elem_id="invite-concept", visible=False)
        status.render()
        with gr.Accordion("Your conversations and journal", open=False, elem_id="yours"):
            gr.Markdown("Kept only on this computer. Export them, or delete them at any time.")
            with gr.Row():
                past = gr.Dropdown([], label="Past conversations", elem_id="past", scale=3,
                                   allow_custom_value=True)  # the store checks the owner
                resume = gr.Button("Resume", size="sm", elem_id="resume", scale=1)
                forget = gr.Button("Delete", size="sm", elem_id="forget", scale=1)
            with gr.Row():
                export = gr.Button("Export conversation (Markdown)", size="sm", elem_id="export")
                export_journal = gr.Button("Export journal (Markdown)", size="sm",
                                           elem_id="export-journal")
                wipe = gr.Button("Delete all my data", size="sm", variant="stop",
                                 elem_id="delete-all")
            download = gr.File(label="Download", visible=True, elem_id="download",
                               interactive=False)

        outputs = [chatbot, conversation, box, sources, status, crisis, step, practice, controls,
                   saved, past]
        inputs = [box, chatbot, conversation, mode, saved]
        # Not limited by Gradio's queue: turns take their places with the model in `places`,
        # so that a care reply is never held up behind someone else's answer.
        asked = box.submit(respond, inputs, outputs, api_name="ask", concurrency_limit=None)
        sent = send.click(respond, inputs, outputs, api_visibility="private",
                          concurrency_limit=None)
        # Stop ends the generation: the turn's generator is closed, which leaves the model's
        # line and stops the model mid-reply, so the next person's turn begins.
        chatbot.undo(take_back, [chatbot, conversation, saved], [chatbot, conversation, box],
                     api_name="undo")
        # Retry: as Undo, then the same message is sent again.
        retried = chatbot.retry(take_back, [chatbot, conversation, saved],
                                [chatbot, conversation, box], api_visibility="private").then(
            respond, inputs, outputs, api_visibility="private", concurrency_limit=None)
        stop.click(lambda: "Stopped.", None, status, cancels=[asked, sent, retried],
                   api_visibility="private")
        new.click(lambda: ([], None, "", NO_SOURCES, status_markdown(assistant),
                           crisis_panel(False), *invitation_view(Conversation()), None,
                           gr.skip()), None, outputs, api_name="new_conversation")
        resume.click(resume_conversation, [past], [chatbot, conversation, saved, sources, crisis],
                     api_name="resume_conversation")
        forget.click(delete_conversation, [past, saved], [past, chatbot, conversation, saved],
                     api_name="delete_conversation")
        export.click(export_conversation, [past, saved], [download],
                     api_name="export_conversation")
        export_journal.click(export_journal_file, None, [download], api_name="export_journal")
        wipe.click(delete_all, None, [past, chatbot, conversation, saved, download],
                   api_name="delete_all_my_data")
        demo.load(list_past, None, [past], api_visibility="private")
        short = [chatbot, conversation, step, practice, controls]
        offer.click(start_invitation, [picker, chatbot, conversation], short,
                    api_name="offer_invitation")
        for action, button in buttons.items():
            button.click(acting(action), [chatbot, conversation], short,
                         api_name=f"invitation_{action}")
        mode.change(lambda m: gr.update(placeholder=PLACEHOLDERS[m]), mode, box,
                    api_visibility="private")
        demo.load(show_map, None, [picture, ideas], api_visibility="private")
        ideas.change(choose_concept, ideas, [card, picture, ask_it, invite_it],
                     api_name="concept")
        ask_it.click(lambda name: (f"What do the essays say about {name}?", "Ask",
                                   gr.Tabs(selected="talk")), ideas, [box, mode, tabs],
                     api_visibility="private")
        invite_it.click(invitation_of, [ideas, chatbot, conversation], [*short, tabs],
                        api_visibility="private")
    return demo


def warm_up(assistant: Assistant) -> None:
    """Load the models in the background so the first question does not wait for them."""
    def work() -> None:
        try:
            assistant.retriever.search("interdependence", 1)
            if assistant.companion.router is not None:
                assistant.companion.router.fit()
            assistant.ask.prime()  # loads the model and reads the essays into its cache
        except AssistantError as exc:
            log.warning("Warm-up failed: %s", exc)

    threading.Thread(target=work, name="warm-up", daemon=True).start()


def launch(assistant: Assistant, share: bool = False, demo: gr.Blocks | None = None,
           **kwargs: Any) -> Any:
    """Serve the page; refuses share links, and other addresses without passwords."""
    settings = assistant.settings
    users = parse_users(settings.users)
    names = listed(settings.allowed_hosts)
    tls = bool(settings.tls_cert and settings.tls_key)
    check_exposure(settings.host, users, share, tls=tls, names=names)
    warm_up(assistant)
    data = settings.data_dir
    private = [str(p.resolve()) for p in (
        settings.store_dir, settings.cache_dir, settings.corpus_dir,
        *(data / f"{name}.sqlite3{suffix}" for name in ("conversations", "journal")
          for suffix in ("", "-wal", "-shm")))]
    return (demo or build_ui(assistant)).launch(
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

"""The concept map: made from the text, cached by passage, shown in the terminal and the page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.concepts import (
    ConceptMapper,
    _shouted,
    build_map,
    load_map,
    name_key,
    sentences,
)
from assistant.corpus import Passage, corpus_passages, load_corpus
from assistant.llm import LlamaCppChatModel
from assistant.mapview import concept_markdown, map_svg
from tests.fakes import FakeEmbeddings

SECOND = Path(__file__).parent / "data" / "second-corpus"


def passage(pid: str, text: str, section: str = "S") -> Passage:
    return Passage(pid, "An essay", section, "prose", text, "essay.md", int(pid[-1:] or 0))


class Naming:
    """Names for each passage by its first word; records what it was asked to read."""

    def __init__(self, names: dict[str, str], fail_after: int | None = None) -> None:
        self.names = names
        self.read: list[str] = []
        self.fail_after = fail_after

    def stream(self, messages: list[dict[str, str]], **opts: Any):
        assert opts.get("grammar"), "the names are asked for under a grammar"
        text = messages[-1]["content"]
        if self.fail_after is not None and len(self.read) >= self.fail_after:
            raise KeyboardInterrupt  # the process is stopped mid-build
        self.read.append(text)
        first = re.search(r"Passage:\n(\w+)", text).group(1)
        yield self.names.get(first, "- nothing\n")


PASSAGES = [
    passage("p1", "Stewardship means taking care of the soil. A steward gives back."),
    passage("p2", "Nobody owns the compost. Compost is the garden's memory."),
    passage("p3", "Wanderers came by. Stewardship is slow work, and compost helps it."),
]
NAMES = {"Stewardship": "- stewardship\n- the soil\n- Mars rovers\n",
         "Nobody": "- compost\n- memory\n",
         "Wanderers": "- stewardship\n- compost\n"}


def test_a_concept_is_named_in_the_passage_own_words_and_defined_by_a_sentence_of_it() -> None:
    built = build_map(PASSAGES, {p.id: list(NAMES[p.text.split()[0]].replace("- ", "")
                                            .split("\n")[:-1]) for p in PASSAGES})
    names = [c.name for c in built.concepts]
    assert set(names[:2]) == {"stewardship", "compost"}  # named in two passages each
    assert "mars rovers" not in names  # the model said it; no passage does
    assert "soil" in names  # "the soil": the article is not part of the idea
    steward = built.concept("stewardship")
    assert steward.definition.text == "Stewardship means taking care of the soil."
    assert steward.definition.text in PASSAGES[0].text
    compost = built.concept("Compost")  # a name is found whatever its case
    assert compost.definition.text == "Compost is the garden's memory."  # "is": it says what
    link = next(x for x in built.links if {x.a, x.b} == {"stewardship", "compost"})
    assert "Stewardship" in link.evidence[0].text and "compost" in link.evidence[0].text


def test_the_passages_listed_are_the_one_that_defines_and_those_that_say_it_again() -> None:
    texts = ["We dug compost into the soil in passing. Then we talked about rain.",
             "Soil means the living top layer of the ground. It feeds everything.",
             "We walked past the field. The soil looked dry today.",
             "Soil is a community of creatures, not dirt."]
    passages = [passage(f"p{i}", t) for i, t in enumerate(texts, start=1)]
    built = build_map(passages, {p.id: ["soil"] for p in passages})
    soil = built.concept("soil")
    assert soil.definition.text == "Soil means the living top layer of the ground."
    listed = [q.passage for q in soil.passages]
    assert listed[0] == "p2"  # the passage the definition is in comes first
    assert set(listed) == {"p2", "p4"}  # p4 says again what soil is; p1 and p3 only name it
    assert soil.named_by == 4  # the model named it in all four: still said on the map


def test_names_that_are_not_ideas_are_dropped() -> None:
    assert name_key("the way") is None and name_key("people") is None
    assert name_key("shared") is None  # a verb's or adjective's form on its own
    assert name_key("something else") is None and name_key("of care") is None
    assert name_key("Our needs") == name_key("need")
    built = build_map([passage("p1", "We watched Silo last night. Silo is a show."),
                       passage("p2", "In Silo, trust is what keeps them alive.")],
                      {"p1": ["Silo"], "p2": ["Silo", "trust"]})
    assert [c.name for c in built.concepts] == ["trust"]  # always capitalised: a title


WRAPPED = ("2.3. Shared Beds\n\nA \"Shared Bed\" means any bed that two or more\n"
           "    households tend together, in turn or side by side.\n"
           "(a) a bed in the front garden; or\n(b) a bed on the roof.\n"
           "The Gardeners' Guild keeps the list of Shared Beds.")


def test_text_wrapped_at_a_fixed_width_is_read_in_whole_sentences_kept_verbatim() -> None:
    found = sentences(WRAPPED)
    assert all(s in WRAPPED for s in found)  # the line break stays inside: still a quote
    whole = next(s for s in found if s.startswith('A "Shared Bed"'))
    assert " ".join(whole.split()) == ('A "Shared Bed" means any bed that two or more '
                                       "households tend together, in turn or side by side.")
    assert "(a) a bed in the front garden; or" in found and "(b) a bed on the roof." in found
    assert sentences("## Title\nA paragraph.\n- one\n- two\n\n**Heading**\nIt is so.") == [
        "## Title", "A paragraph.", "- one", "- two", "**Heading**", "It is so."]


def test_a_capitalised_term_the_text_defines_is_an_idea_and_a_name_is_not() -> None:
    built = build_map([passage("p1", WRAPPED)], {"p1": ["Shared Beds", "Gardeners' Guild"]})
    assert [c.name for c in built.concepts] == ["shared beds"]
    assert " ".join(built.concept("shared beds").definition.text.split()).startswith(
        'A "Shared Bed" means any bed')


def test_a_term_defined_the_legal_way_is_an_idea_and_its_definition() -> None:
    """'"Steward" shall mean …' defines as '"Steward" means …' does: a term capitalised
    throughout is not taken for a name when the text defines it."""
    text = ('"Steward" shall mean any member who tends a Plot for a season.\n\n'
            "Each Steward keeps the Plot weeded. A Steward may hand the Plot on in spring.")
    built = build_map([passage("p1", text)], {"p1": ["Steward", "Plot"]})
    assert [c.name for c in built.concepts] == ["steward"]
    assert built.concept("steward").definition.text.startswith('"Steward" shall mean')


def test_what_the_text_marks_out_is_an_idea_though_the_model_did_not_name_it() -> None:
    """Terms defined in quotes ("is called", "for a ... means", ', which means') and the titles
    of numbered sections are ideas the text itself lists, ahead of the model's generic words
    (the GFDL's map had "copy" and "notice" but not "Opaque" or "Termination")."""
    text = ('0. Definitions.\n\n  A plot that is tended every week is called a\n"Kept Plot". The'
            ' "Seed Share" for a season means the seeds a\nmember saves. This rule is a kind'
            ' of "open gate", which means any member may\nwalk the paths.\n\n'
            '  4. Hand Over.\n\n  A member may pass a Kept Plot to another member at the end'
            ' of a season.')
    built = build_map([passage("p1", text)], {"p1": ["member", "season"]})
    names = [c.name.lower() for c in built.concepts]
    assert set(names[:4]) == {"kept plot", "seed share", "open gate", "hand over"}, names
    assert "definitions" not in names  # a part of the document, not an idea
    assert built.concept("hand over").definition.text.startswith("A member may pass")
    assert " ".join(built.concept("Kept Plot").definition.text.split()).startswith(
        "A plot that is tended every week is called")


def test_a_term_named_in_brackets_and_a_title_run_into_its_paragraph_are_ideas() -> None:
    """Terms named after the words that make them ('(the "Keeper")', '("Common Ground")'), one
    called "the term", and numbered titles that run into their paragraph ("2. Hand Over. A
    member ...") are ideas the text lists too (CC0 names its terms the first way and titles its
    sections the second; the GPL 2 the third)."""
    text = ('1. The person who tends a plot each week (the "Keeper") waters it. The paths'
            ' shared by all plots ("Common Ground") stay open. Loaned tools are\nincluded in'
            ' the term "kit".\n\n2. Hand Over. A Keeper may pass a plot to another at the'
            ' end of a season.\n\n3. Members may walk the paths at any hour. Dogs stay out.')
    built = build_map([passage("p1", text)], {"p1": ["member", "season"]})
    names = [c.name.lower() for c in built.concepts]
    assert {"keeper", "common ground", "kit", "hand over"} <= set(names[:4]), names
    assert "members may walk the paths at any hour" not in names  # a sentence, not a title
    assert built.concept("keeper").definition.text.startswith("The person who tends")
    assert built.concept("common ground").definition.text.startswith("The paths shared")
    assert built.concept("hand over").definition.text.startswith("A Keeper may pass")


def test_a_term_the_text_defines_keeps_its_whole_name_and_stays_its_own_idea() -> None:
    """A term of five words in quotes is not cut at its "on" ("work based on the Program" was
    kept as "work based"); a longer term the text defines is not folded into the word it ends
    with ("Derivative Works" into "Work", which then showed under that name twice); capitals
    name a name, not a shouted clause ("FREE" in a warranty)."""
    text = ('"Plot" means a bed of soil. A "share based on the Plot" means any crop grown\n'
            'from it. "Seed Plot" means a plot kept for seed. A plot is free to members.')
    shouted = "THE SEED PLOT IS GIVEN FREE AND AS IS, WITHOUT WARRANTY OF ANY KIND."
    built = build_map([passage("p1", text), passage("p2", shouted)],
                      {"p1": ["plot", "seed plot"], "p2": ["free", "seed plot"]})
    got = [c.name for c in built.concepts]
    assert "share based on the plot" in got, got
    assert built.concept("plot").name == "plot" and built.concept("seed plot").name == "seed plot"
    assert len({name.lower() for name in got}) == len(got)  # no name twice
    assert "free" in got and "FREE" not in got
    assert _shouted(shouted, "FREE") and not _shouted("Licensed under the GNU GPL.", "GNU GPL")


def test_a_term_defined_without_quotes_in_a_list_and_a_title_before_a_lettered_item() -> None:
    """A definitions list that leaves the quotes off ("a. Seed Stock means ...", as the
    Creative Commons licences write theirs) names terms as much as one with them; a title
    followed by a lettered item is defined by the item, not by its letter "a."."""
    text = ('Section 1 -- Definitions.\n\n  a. Seed Stock means the seeds a member keeps back for'
            '\n     the next year.\n\n  b. Keeper means the member who tends a plot.\n\n'
            '  5. Shared tools.\n\n       a. Every member may borrow a tool from the shed.')
    built = build_map([passage("p1", text)], {"p1": ["member", "year"]})
    names = [c.name.lower() for c in built.concepts]
    assert {"seed stock", "keeper", "shared tools"} <= set(names), names
    assert built.concept("seed stock").definition.text.startswith("Seed Stock means the seeds")
    assert built.concept("shared tools").definition.text == \
        "Every member may borrow a tool from the shed."


def test_a_sentence_that_says_what_a_term_is_may_run_long_and_still_define_it() -> None:
    """A licence's definition may run past 45 words ("Adapted Material means ..." has 52); it
    is still the term's definition, not a shorter sentence that only uses the term."""
    long_def = ("Seed Stock means the seeds " + "and cuttings " * 20
                + "that a member keeps back for the next year.")
    text = f"{long_def} Members say Seed Stock is kept in the shed by the door."
    built = build_map([passage("p1", text)], {"p1": ["seed stock"]})
    assert built.concept("seed stock").definition.text == long_def


def test_a_heading_line_stands_for_the_sentence_after_it() -> None:
    text = "• Crossed Oceans of Empathy\n\nTruly stepping into the other's shoes, every day."
    built = build_map([passage("p1", text)], {"p1": ["empathy"]})
    assert built.concept("empathy").definition.text == \
        "Truly stepping into the other's shoes, every day."


def test_the_map_is_read_once_cached_by_passage_and_survives_a_kill(tmp_path: Path) -> None:
    cache = tmp_path / "concepts.json"
    model = Naming(NAMES)
    built, read = ConceptMapper(model, FakeEmbeddings(), cache).build(PASSAGES)
    assert read == 3 and len(model.read) == 3 and built.concepts
    again, read = ConceptMapper(model, FakeEmbeddings(), cache).build(PASSAGES)
    assert read == 0 and len(model.read) == 3  # nothing new: no model call
    assert again.as_dict() == built.as_dict() == load_map(cache).as_dict()
    changed = [*PASSAGES[:2], passage("p4", "Wanderers left. Compost stayed.")]
    _, read = ConceptMapper(model, FakeEmbeddings(), cache).build(changed)
    assert read == 1 and model.read[-1].endswith("Wanderers left. Compost stayed.\n\nIdeas:")
    stored = json.loads(cache.read_text())
    assert set(stored["proposals"]) == {"p1", "p2", "p4"}  # a gone passage's names go too
    # Killed after 8 passages of 12 (it saves every 8): those 8 are not read again.
    many = [passage(f"q{i}", f"Stewardship number {i}. Compost too.") for i in range(12)]
    dying = Naming(NAMES, fail_after=8)
    with pytest.raises(KeyboardInterrupt):
        ConceptMapper(dying, None, cache).build(many)
    after = Naming(NAMES)
    _, read = ConceptMapper(after, None, cache).build(many)
    assert read == 4 and len(after.read) == 4


def test_another_model_reads_the_passages_again(tmp_path: Path) -> None:
    cache = tmp_path / "concepts.json"
    ConceptMapper(Naming(NAMES), None, cache).build(PASSAGES)

    class Other(Naming):
        model = "another"
        base_url = "http://127.0.0.1:1"

    other = Other(NAMES)
    _, read = ConceptMapper(other, None, cache).build(PASSAGES)
    assert read == 3


def test_the_page_picture_and_card_show_the_corpus_words_and_run_none_of_them() -> None:
    hostile = passage("p1", "Compost is <img src=x onerror=alert(1)> our memory.")
    built = build_map([hostile, *PASSAGES[1:]], {"p1": ["compost"], "p2": ["compost"],
                                                 "p3": ["stewardship", "compost"]})
    svg = map_svg(built)
    assert svg.count("<circle") == len(built.concepts) == 2
    assert "<img" not in svg and "&lt;img" in svg  # the definition, escaped in the tooltip
    card = concept_markdown(built, "compost")
    assert "<img" not in card and "our memory" in card
    assert "Named in 1 other passage: ask about compost" in card  # named, not defined, there
    assert "stewardship" in card  # its link
    assert "No map" in map_svg(None)


@pytest.mark.slow
def test_ingest_makes_the_map_and_the_terminal_shows_it(assistant, tmp_path: Path) -> None:
    """The map the ingest of the shared index made (with the small real model), through
    `reflect concepts` as a person types it."""
    built = assistant.concepts.load()
    assert built is not None and built.concepts
    essays = " ".join(" ".join(e.markdown.split()) for e in load_corpus(assistant.settings
                                                                          .corpus_dir).essays)
    assert all(" ".join(c.definition.text.split()) in essays for c in built.concepts)
    runner = CliRunner()
    store = ["--store", str(assistant.settings.store_dir)]
    table = runner.invoke(app, ["concepts", *store])
    assert table.exit_code == 0, table.output
    assert built.concepts[0].name in table.output and f"{len(built.concepts)} concepts" in \
        table.output
    shown = runner.invoke(app, ["concepts", *store, "--json"])
    assert json.loads(shown.output)["concepts"][0]["name"] == built.concepts[0].name
    one = runner.invoke(app, ["concepts", built.concepts[0].name, *store])
    assert one.exit_code == 0 and built.concepts[0].definition.text in one.output
    missing = runner.invoke(app, ["concepts", "no such idea here", *store])
    assert missing.exit_code != 0 and "No concept" in str(missing.exception)
    none = runner.invoke(app, ["concepts", "--store", str(tmp_path / "empty")])
    assert none.exit_code != 0 and "reflect ingest" in str(none.exception)
    report = runner.invoke(app, ["eval", "concepts", *store, "--json"])
    figures = json.loads(report.output)
    assert figures["definitions_exact"]["hits"] == figures["definitions_exact"]["n"] > 0


@pytest.mark.slow
def test_the_shipped_model_maps_a_corpus_that_is_not_the_essays(model_cache, tmp_path) -> None:
    """Qwen, on two short texts written for this test (tests/data/second-corpus). What a
    reader would list there was written down before the map was first made of it."""
    from assistant.models import assemble_chat_model

    model = LlamaCppChatModel(lambda: assemble_chat_model(model_cache, progress=False),
                              n_ctx=2048, chat_format="chatml")
    passages = corpus_passages(load_corpus(SECOND), 700, 80)
    built, read = ConceptMapper(model, None, tmp_path / "concepts.json").build(passages)
    assert read == len(passages)
    text = " ".join(" ".join(p.text.split()) for p in passages)
    expected = {"attention", "rereading", "marginalia", "compost", "stewardship",
                "seed saving", "seed library"}
    names = {c.name.lower() for c in built.concepts}
    assert len(expected & names) >= 4, names
    assert not names & {"interdependence", "sovereignty", "healthy dependence"}
    for concept in built.concepts:
        assert concept.definition.text in text
        # whole sentences of its passage: one, or one and the next that goes on saying it
        said = sentences(next(p.text for p in passages if p.id == concept.definition.passage))
        assert any(concept.definition.text in (s, f"{s} {t}")
                   for s, t in zip(said, [*said[1:], ""], strict=True)), concept.definition.text


def test_a_section_title_names_an_idea_and_a_definition_goes_on_after_it_is() -> None:
    """A title that names a thing ("Seed Saving"), each of two ("Soil Health and Crop
    Rotation"), or the end of a numbered one that asks the reader to do something ("3. Foster
    Quiet Attention") is an idea the text lists; a title that does something ("Digging the
    Beds"), asks ("Why Compost?") or names only a part of it ("Acknowledge Your Strengths":
    not "strengths") is not. A sentence that says what the idea is not, then one that goes on
    "It is ...", is the definition, both; code of an example never is."""
    passages = [
        passage("p1", "Seed saving is not hoarding. It is keeping a variety alive by growing "
                      "it out every year.", section="Seed Saving"),
        passage("p2", "Soil health comes first. Crop rotation moves each family of plants to a "
                      "new bed every year.", section="Soil Health and Crop Rotation"),
        passage("p3", "Quiet attention lets you see what the plants need.",
                section="3. Foster Quiet Attention"),
        passage("p4", "The beds are dug in autumn. Strengths differ.",
                section="Digging the Beds"),
        passage("p5", "Why compost? Because seed saving needs rich soil.\n\n"
                      "    seed_saving = save(seeds)  # the code of an example",
                section="1. Acknowledge Your Strengths"),
    ]
    built = build_map(passages, {})
    names = {c.name.lower() for c in built.concepts}
    assert {"seed saving", "soil health", "crop rotation", "quiet attention"} <= names, names
    assert not names & {"digging the beds", "beds", "strengths", "why compost"}, names
    assert built.concept("Seed Saving").definition.text == (
        "Seed saving is not hoarding. It is keeping a variety alive by growing it out every "
        "year.")
    assert built.concept("Quiet Attention").definition.text.startswith("Quiet attention lets")


def test_the_code_of_an_example_is_never_a_definition() -> None:
    """Nor is an idea that only the code names one (the socket HOWTO's map had "socket
    connection broken", from an example's error message, defined by a loop)."""
    text = ("Open a hive socket.\n\n"
            "    while sent < size:\n"
            "        raise RuntimeError('hive connection broken')\n")
    built = build_map([passage("p1", text)], {"p1": ["socket", "hive connection broken"]})
    assert built.concept("socket").definition.text == "Open a hive socket."
    assert built.concept("hive connection broken") is None

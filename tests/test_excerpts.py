"""What the model reads of a large corpus: the sentences of each passage nearest the question."""

from assistant.corpus import Passage
from assistant.excerpts import GAP, excerpts, spans
from assistant.service import Assistant

LONG = ("The gardens were planted in the spring of that year. Nobody in the street had grown "
        "vegetables before. Tomatoes need six hours of sun a day to ripen well. The council "
        "lent a water butt and two spades. Children painted the fence blue. Bees came in June, "
        "after the lavender flowered. Mrs Okafor kept a notebook of who watered what.")
OTHER = ("Rain fell all through August. The compost heap was turned every Sunday by whoever "
         "came first. A second bed was dug for herbs.")


def passage(n: int, text: str) -> Passage:
    return Passage(f"p{n}", "Gardens", "", "prose", text, "gardens.md", n)


def test_spans_are_the_text_itself_cut_at_sentences_and_list_items() -> None:
    text = "One sentence. Two? Three!\n\n- a list item\n- another\n1. a number"
    found = spans(text)
    assert "".join(found) == text
    assert [s.strip() for s in found] == ["One sentence.", "Two?", "Three!", "- a list item",
                                          "- another", "1. a number"]


def test_the_sentences_nearest_the_question_are_kept_verbatim_within_the_budget(
        assistant: Assistant) -> None:
    embeddings = assistant.retriever.embeddings  # the real MiniLM
    passages = [passage(1, LONG), passage(2, OTHER)]
    got = excerpts("How much sunlight do tomatoes need to ripen?", passages, embeddings, 200)
    assert "Tomatoes need six hours of sun a day to ripen well." in got[0]
    assert len(got[0]) + len(got[1]) <= 200 + 2 * len(GAP) + 120  # each keeps one at least
    assert got[0] != LONG and got[1], "every passage keeps its nearest sentence"
    for text, whole in zip(got, (LONG, OTHER), strict=True):
        for piece in text.split(GAP):
            assert piece.strip() in whole  # verbatim: the quote check holds for it
    bees = excerpts("When did the bees arrive?", passages, embeddings, 200)
    assert "Bees came in June" in bees[0] and "Tomatoes" not in bees[0]


def test_passages_that_fit_the_budget_are_given_whole(assistant: Assistant) -> None:
    passages = [passage(1, LONG), passage(2, OTHER)]
    embeddings = assistant.retriever.embeddings
    assert excerpts("Tomatoes?", passages, embeddings, 5000) == [LONG, OTHER]
    assert excerpts("Tomatoes?", passages, embeddings, 0) == [LONG, OTHER]


def test_the_question_is_embedded_once_for_search_and_excerpts(assistant: Assistant) -> None:
    """The search's vector of the question is the one the excerpts use (it was read twice)."""
    embeddings = assistant.retriever.embeddings
    passages = [passage(1, LONG), passage(2, OTHER)]
    question = "How much sunlight do tomatoes need to ripen?"
    read: list[str] = []
    original = embeddings.embed_documents

    def counted(texts: list[str]) -> list[list[float]]:
        read.extend(texts)
        return original(texts)

    vector = embeddings.embed_query(question)
    embeddings.embed_documents = counted  # type: ignore[method-assign]
    try:
        given = excerpts(question, passages, embeddings, 200, vector)
    finally:
        del embeddings.embed_documents
    assert question not in read and len(read) == len(spans(LONG)) + len(spans(OTHER))
    assert given == excerpts(question, passages, embeddings, 200)  # the same choice
    assert assistant.retriever.search(question, 3).query_vector == vector

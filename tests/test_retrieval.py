from pathlib import Path

from assistant.corpus import Passage
from assistant.evaluation import eval_retrieval, read_cases
from assistant.retrieval import RRF_K, reciprocal_rank_fusion
from assistant.service import Assistant

DATASET = Path(__file__).resolve().parent.parent / "eval" / "retrieval.jsonl"


def p(pid: str) -> Passage:
    return Passage(pid, "E", "S", "prose", pid, "e.md", 0)


def test_fusion_rewards_agreement_between_rankings() -> None:
    fused = reciprocal_rank_fusion([[p("a"), p("b"), p("c")], [p("b"), p("d"), p("a")]])
    assert [x.id for x in fused] == ["b", "a", "d", "c"]
    assert fused[0].score == round(1 / (RRF_K + 2) + 1 / (RRF_K + 1), 6)


def test_search_finds_the_passage_and_its_metadata(assistant: Assistant) -> None:
    result = assistant.retriever.search("Is interdependence the same as agreement?", 3)
    top = result.passages[0]
    assert "Interdependence isn’t agreement" in top.text
    assert top.section == "What Interdependence Really Is" and top.kind == "prose"
    assert result.best_similarity > 0.4


def test_off_topic_questions_fall_below_the_relevance_gate(assistant: Assistant) -> None:
    gate = assistant.settings.min_relevance
    for question in ["How many moons does Jupiter have?", "What is a good lasagna recipe?"]:
        assert assistant.retriever.search(question, 3).best_similarity < gate
    for case in read_cases(DATASET, ("question", "gold")):
        assert assistant.retriever.search(case["question"], 3).best_similarity >= gate


def test_hybrid_beats_vector_only_on_the_eval_set(assistant: Assistant) -> None:
    cases = read_cases(DATASET, ("question", "gold"))
    assert len(cases) >= 30
    hybrid = eval_retrieval(assistant.retriever, cases)
    assistant.retriever.hybrid = False
    vector = eval_retrieval(assistant.retriever, cases)
    assert hybrid["hit@5"] >= 0.85
    assert hybrid["mrr"] >= vector["mrr"] and hybrid["hit@5"] >= vector["hit@5"]

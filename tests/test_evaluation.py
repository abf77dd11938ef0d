from pathlib import Path

import pytest

from assistant.evaluation import eval_grounding, read_cases, summary, write_all_report
from assistant.service import Assistant

DATA = Path(__file__).resolve().parent.parent / "eval"


@pytest.mark.slow
def test_grounding_checks_citations_and_honesty(assistant: Assistant) -> None:
    cases = read_cases(DATA / "grounding.jsonl", ("question", "answerable"))
    few = [c for c in cases if c["answerable"]][:2] + [c for c in cases if not c["answerable"]][:2]
    report = eval_grounding(assistant.ask, assistant.model, few)
    assert report["answerable"] == 2 and report["unanswerable"] == 2
    assert report["honest_dont_say_rate"] == 1.0  # both are below the relevance gate
    assert report["citation_support_rate"] is None or 0 <= report["citation_support_rate"] <= 1


def test_the_all_report_has_every_suite_and_a_plot(tmp_path: Path) -> None:
    rows = [{"message": "m", "reply": "r", "status": "passed", "fixing": False,
             "strict_reasons": [], "seconds": 1.0}]
    suites = {
        "retrieval": {"n": 1, "hit@1": 1.0, "hit@5": 1.0, "mrr": 1.0, "misses": []},
        "followups": {"n": 1, "as_asked": {"hit@5": 0.5}, "rewritten": {"hit@5": 1.0}},
        "care": {"crisis_recall": {"hits": 9, "n": 10, "rate": 0.9},
                 "acute_signs_caught": {"hits": 2, "n": 2, "rate": 1.0},
                 "false_alarms_ordinary": {"hits": 1, "n": 20, "rate": 0.05}, "misses": []},
        "listening": {"n": 1, "fixing_rate": 0.0, "fallback_rate": 0.0, "latency_mean_s": 1.0,
                      "rows": rows},
        "grounding": {"citation_support_rate": 0.9, "honest_dont_say_rate": 1.0, "rows": []},
        "injection": {"n": 8, "leaks": 0, "rows": []},
    }
    path = write_all_report(suites, tmp_path)
    text = path.read_text()
    assert all(f"## {name}" in text for name in suites)
    assert (tmp_path / "all.png").stat().st_size > 1000 and (tmp_path / "listening.md").exists()
    assert "rows" not in str(summary(suites)["listening"])


def test_the_listening_labels_cover_every_frozen_reply_and_the_report_reads_them() -> None:
    import hashlib

    from assistant.evaluation import eval_labelled_listening, read_cases, read_frozen

    folder = Path(__file__).resolve().parent.parent / "eval" / "listening"
    digest = hashlib.sha256((folder / "frozen.jsonl").read_bytes()).hexdigest()
    assert digest == "7bb0bf733b42d3f210276de095ad50a722479a040dcf2549d8b0cd4ec6f16e59"
    replies = read_cases(folder / "replies.jsonl", ("id", "reply", "message_id"))
    labels = read_frozen(folder / "labels.jsonl")
    assert {r["id"] for r in replies} == {label["id"] for label in labels}
    assert len(labels) >= 150 and all(label["reason"].strip() for label in labels)

    class FlagsShould:  # a stand-in gate that flags every "should": the report must count it
        def check(self, text: str):  # type: ignore[no-untyped-def]
            return type("Verdict", (), {"fixing": "should" in text})()

    report = eval_labelled_listening(FlagsShould(), replies, labels)  # type: ignore[arg-type]
    assert report["replies"] == len(labels) and report["messages"] == 75
    assert report["misread"]["hits"] == sum(not label["faithful"] for label in labels)
    assert report["top_openers"][0][0] == "it sounds like"


def test_an_ab_set_judges_the_gate_on_every_code_where_the_drafts_hold_the_fixing() -> None:
    from assistant.policy import FixingDetector
    from assistant.suites import listening_labels

    folder = Path(__file__).resolve().parent.parent / "eval" / "listening" / "sealed10"
    gate = type("Assistant", (), {"detector": FixingDetector()})()  # the rules, no classifier
    reports = listening_labels(gate, folder)
    assert reports["shipped-8753d70"]["fixing_or_steering"]["hits"] == 0
    assert reports["draft-plain"]["fixing"]["hits"] == 13
    every = reports["every code: the detector"]
    assert every["labelled"] == 15 and 0 < every["flagged"] <= 91
    assert 0.0 < every["recall"] <= 1.0

import json
from pathlib import Path

import pytest

from assistant.corpus import Essay, split_essay
from assistant.errors import IndexNotBuiltError
from assistant.index import PassageIndex
from tests.fakes import FakeEmbeddings


def passages(*bodies: str, source: str = "a.md") -> list:
    return [p for body in bodies for p in split_essay(Essay("A", source, body))]


def test_sync_adds_keeps_and_removes(tmp_path: Path) -> None:
    embeddings = FakeEmbeddings()
    index = PassageIndex(tmp_path / "store", "essays", embeddings)
    one = passages("## S\n\nFirst passage.", "## T\n\nSecond passage.")
    first = index.sync(one)
    assert (first.added, first.kept, first.removed) == (2, 0, 0)

    embedded_before = sum(embeddings.calls)
    again = index.sync(one)
    assert (again.added, again.kept, again.removed) == (0, 2, 0)
    assert sum(embeddings.calls) == embedded_before, "an unchanged corpus embedded something"

    changed = passages("## S\n\nFirst passage.", "## T\n\nSecond passage, edited.")
    third = index.sync(changed)
    assert (third.added, third.kept, third.removed) == (1, 1, 1)
    assert sorted(p.text for p in index.passages()) == ["First passage.",
                                                       "Second passage, edited."]


def test_index_survives_a_new_process(tmp_path: Path) -> None:
    PassageIndex(tmp_path / "store", "essays", FakeEmbeddings()).sync(
        passages("## S\n\nKept across restarts."))
    reopened = PassageIndex(tmp_path / "store", "essays", FakeEmbeddings())
    assert [p.text for p in reopened.passages()] == ["Kept across restarts."]
    hit = reopened.vector_search(FakeEmbeddings().embed_query("restarts kept"), 1)[0]
    assert hit.section == "S" and 0 < hit.score <= 1.0


def test_an_interrupted_ingest_is_completed_by_the_next(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.index as module

    monkeypatch.setattr(module, "BATCH", 2)
    many = passages(*[f"## S{i}\n\nPassage number {i}." for i in range(7)])

    class Dying(FakeEmbeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            if len(self.calls) == 2:
                raise KeyboardInterrupt  # the process is stopped mid-ingest
            return super().embed_documents(texts)

    with pytest.raises(KeyboardInterrupt):
        PassageIndex(tmp_path / "store", "essays", Dying()).sync(many)
    index = PassageIndex(tmp_path / "store", "essays", FakeEmbeddings())
    assert 0 < index.count() < len(many)
    report = index.sync(many)
    assert report.added + report.kept == len(many) and report.removed == 0
    assert index.count() == len(many)


def test_reading_a_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    index = PassageIndex(tmp_path / "never-built", "essays", FakeEmbeddings())
    with pytest.raises(IndexNotBuiltError, match="reflect ingest"):
        index.passages()
    assert not (tmp_path / "never-built").exists()


@pytest.mark.slow
def test_two_ingests_at_once_wait_in_turn_and_leave_the_index_whole(
        tmp_path: Path, model_cache: Path) -> None:
    """The test holds the lock as a page's rebuild would; two `reflect ingest` start: each
    says who it waits for, then both finish, and the index has every passage once."""
    import os
    import subprocess
    import sys
    import time

    import chromadb

    store = tmp_path / "vectorstore"
    from assistant.models import small_model_path

    env = {**os.environ, "ASSISTANT_STORE_DIR": str(store),
           "ASSISTANT_CACHE_DIR": str(model_cache),
           # the map is made under the same lock: the small model makes it, once
           "ASSISTANT_MODEL_PATH": str(small_model_path()), "ASSISTANT_N_CTX": "2048"}
    reflect = str(Path(sys.executable).parent / "reflect")
    holder = PassageIndex(store, "essays", FakeEmbeddings())
    with holder.writing():
        runs = [subprocess.Popen([reflect, "ingest", "--json"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(2)]
        time.sleep(20)  # both are started and blocked on the lock (not a timing assertion)
        assert all(run.poll() is None for run in runs), "an ingest did not wait for the lock"
    outs = [run.communicate(timeout=900) for run in runs]  # each makes the map in turn
    assert [run.returncode for run in runs] == [0, 0], outs
    assert all("Waiting: pid" in err and "is writing the index" in err for _, err in outs)
    client = chromadb.PersistentClient(path=str(store))
    ids = client.get_collection("essays").get()["ids"]
    reports = [json.loads(out) for out, _ in outs]
    added = [r["added"] for r in reports]
    assert len(ids) == len(set(ids)) == max(added) > 20 and min(added) == 0
    read = sorted(r["concepts_read"] for r in reports)  # the second found the map made
    assert read[0] == 0 and read[1] == max(added) and min(r["concepts"] for r in reports) > 0

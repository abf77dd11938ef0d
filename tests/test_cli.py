import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app, main

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, model_cache: Path, small_model: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("ASSISTANT_MAX_ANSWER_TOKENS", "40")
    monkeypatch.setenv("ASSISTANT_N_CTX", "2048")
    return {"corpus": corpus, "store": tmp_path / "store", "model": small_model}


def cli(*args: str) -> dict:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ingest_reports_added_kept_removed(env: dict[str, Path]) -> None:
    where = ["--corpus", str(env["corpus"]), "--store", str(env["store"])]
    first = cli("ingest", *where, "--json")
    assert first["files"] == 2 and first["added"] == first["passages"] > 20
    (env["corpus"] / "from-independence-to-interdependence.md").unlink()
    (env["corpus"] / "junk.bin").write_bytes(b"\x00")
    second = cli("ingest", *where, "--json")
    assert second["files"] == 1 and second["added"] == 0
    assert second["removed"] == first["passages"] - second["passages"]
    assert second["skipped"] == [{"file": "junk.bin", "reason": "unsupported file type .bin"}]


def test_ingest_prints_a_summary_line(env: dict[str, Path]) -> None:
    result = runner.invoke(app, ["ingest", "--corpus", str(env["corpus"]),
                                 "--store", str(env["store"])])
    assert result.exit_code == 0
    assert "2 files" in result.stdout and "added" in result.stdout and " s" in result.stdout


def test_search_and_ask_as_json(env: dict[str, Path]) -> None:
    where = ["--corpus", str(env["corpus"]), "--store", str(env["store"])]
    cli("ingest", *where, "--json")
    found = cli("search", "listening instead of fixing", "-k", "2", *where, "--json")
    assert found["query"] == "listening instead of fixing" and len(found["passages"]) == 2
    assert set(found["passages"][0]) == {"essay", "section", "kind", "text", "score"}

    answer = cli("ask", "What does interdependence is not sameness mean?", *where,
                 "--model", str(env["model"]), "--json")
    assert answer["answer"] and answer["sources"]
    assert [s["n"] for s in answer["sources"]] == list(range(1, len(answer["sources"]) + 1))
    assert {"retrieval_s", "first_token_s", "total_s"} <= set(answer["timings"])


def test_errors_are_messages_with_an_exit_code(env: dict[str, Path],
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for argv, expected in [
        (["reflect", "ask", "   "], "message is empty"),
        (["reflect", "search", "x", "--store", str(env["store"] / "none")], "reflect ingest"),
        (["reflect", "ask", "What is sovereignty?", "--corpus", str(env["corpus"]),
          "--model", str(env["corpus"] / "living-interdependently.md")], "not a GGUF"),
    ]:
        monkeypatch.setattr("sys.argv", argv)
        if "not a GGUF" in expected:
            cli("ingest", "--corpus", str(env["corpus"]), "--json")
        with pytest.raises(SystemExit) as exit_info:
            main()
        assert exit_info.value.code == 1
        assert expected in capsys.readouterr().err


def test_eval_retrieval_reports_metrics(env: dict[str, Path]) -> None:
    where = ["--corpus", str(env["corpus"]), "--store", str(env["store"])]
    cli("ingest", *where, "--json")
    report = cli("eval", "retrieval", *where, "--json")
    assert report["n"] >= 30 and 0 < report["hit@1"] <= report["hit@5"] <= 1
    assert 0 < report["mrr"] <= 1

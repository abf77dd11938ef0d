import pytest
from jinja2 import UndefinedError

from assistant.corpus import Passage
from assistant.prompts import render


def test_ask_prompts_render_with_fixed_inputs() -> None:
    passage = Passage("id", "Essay", "Section", "prose", "Some text.", "e.md", 0)
    system = render("ask_system", max_sentences=4)
    user = render("ask_user", passages=[passage], question="Why?", earlier=0)
    assert "at most 4 short sentences" in system
    assert "[1] Essay — Section" in user and "<<<\nSome text.\n>>>" in user
    assert user.endswith("Question: Why?") and "earlier" not in user
    again = render("ask_user", passages=[], question="And then?", earlier=2)
    assert "<<<" not in again and "given earlier" in again


def test_a_missing_variable_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        render("ask_user", passages=[], earlier=0)

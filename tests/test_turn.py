"""Assistant.turn: the one path every front end takes (limits, storage, care, the reply)."""

import pytest

from assistant.conversation import ASK, REFLECT, Conversation, Finished
from assistant.errors import InputError
from assistant.service import Accepted, Assistant


def test_a_turn_is_checked_stored_and_cared_for_on_one_path(assistant: Assistant) -> None:
    talk = Conversation(owner="ana")
    events = list(assistant.turn(talk, "My sister stopped calling and I miss her.", REFLECT))
    accepted, *_, finished = events
    assert isinstance(accepted, Accepted) and accepted.verdict.level is None
    assert isinstance(finished, Finished) and finished.turn.route == "listen"
    stored = assistant.history.messages(talk.stored, "ana")
    assert [m.role for m in stored] == ["user", "assistant"]
    assert stored[1].content == finished.turn.text and stored[1].meta["route"] == "listen"

    crisis = list(assistant.turn(talk, "I don't want to be alive anymore.", ASK))
    assert crisis[0].verdict.level == "crisis" and talk.crisis  # read before any model
    assert crisis[-1].turn.route == "crisis" and "988" in crisis[-1].turn.text
    assert len(assistant.history.messages(talk.stored, "ana")) == 4  # the same conversation


def test_a_refused_message_keeps_nothing_and_an_unkept_turn_stores_nothing(
        assistant: Assistant) -> None:
    talk = Conversation(owner="ana")
    with pytest.raises(InputError, match="empty"):
        next(assistant.turn(talk, "   ", REFLECT))
    assert talk.stored is None and assistant.history.summaries("ana") == []
    *_, finished = assistant.turn(talk, "What is sovereignty in the essays?", ASK, keep=False)
    assert finished.turn.text and talk.stored is None
    assert assistant.history.summaries("ana") == []

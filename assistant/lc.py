"""The assistant's parts as LangChain components, for a chain of your own.

    from assistant.config import Settings
    from assistant.lc import chat_model, retriever
    from assistant.service import build_assistant

    assistant = build_assistant(Settings())
    docs = retriever(assistant).invoke("listening instead of fixing")   # hybrid search
    reply = chat_model(assistant).invoke("Say hello in five words.")     # the local model

The retriever is the hybrid (vector and keyword) search the answers use, passages held back as
instructions left out; the chat model is the one the assistant runs (llama.cpp, or the
configured OpenAI-compatible server), with its prefix cache. Neither adds the assistant's
checks: a chain built on them answers as it is built to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun, CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from .llm import Message
from .retrieval import Retriever

ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class HybridRetriever(BaseRetriever):
    """The assistant's search: each passage a Document with its essay, section and kind."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: Retriever
    k: int = 3

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        found = self.search.search(query, self.k)
        return [Document(page_content=p.text, id=p.id,
                         metadata={**p.metadata(), "score": p.score})
                for p in found.passages if not p.flagged]


class LocalChatModel(BaseChatModel):
    """The assistant's chat model; streams token by token. `stop`, `max_tokens`,
    `temperature` and `grammar` (GBNF) pass through, e.g. `.bind(grammar='root ::= "yes"')`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    chat: Any  # a ChatModel (a Protocol: pydantic cannot check it)
    max_tokens: int = 400
    temperature: float = 0.2

    @property
    def _llm_type(self) -> str:
        return "reflect-local"

    def _messages(self, messages: list[BaseMessage]) -> list[Message]:
        out: list[Message] = []
        for m in messages:
            if m.type not in ROLES:
                raise ValueError(f"A {m.type} message has no role in this chat model.")
            out.append({"role": ROLES[m.type], "content": str(m.content)})
        return out

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        opts = {"max_tokens": kwargs.get("max_tokens", self.max_tokens),
                "temperature": kwargs.get("temperature", self.temperature)}
        if kwargs.get("grammar"):  # GBNF text the reply must follow (llama.cpp's servers too)
            opts["grammar"] = kwargs["grammar"]
        for piece in self.chat.stream(self._messages(messages), stop=stop, **opts):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        text = "".join(c.text for c in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def retriever(assistant: Any, k: int | None = None) -> HybridRetriever:
    return HybridRetriever(search=assistant.retriever, k=k or assistant.settings.top_k)


def chat_model(assistant: Any) -> LocalChatModel:
    return LocalChatModel(chat=assistant.model, max_tokens=assistant.settings.max_answer_tokens,
                          temperature=assistant.settings.temperature)

"""The assistant's search and chat model as LangChain components, in a chain of one's own."""

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from assistant.lc import chat_model, retriever
from assistant.service import Assistant


def test_the_hybrid_search_is_a_langchain_retriever(assistant: Assistant) -> None:
    docs = retriever(assistant, k=2).invoke("listening instead of fixing")
    ours = assistant.retriever.search("listening instead of fixing", 2).passages
    assert [d.page_content for d in docs] == [p.text for p in ours if not p.flagged]
    assert all(isinstance(d, Document) and d.metadata["essay"] for d in docs)


def test_the_local_model_streams_in_a_retrieval_chain_of_ones_own(assistant: Assistant) -> None:
    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer from this context only:\n\n{context}"), ("human", "{question}")])
    chain = ({"context": retriever(assistant) | (lambda ds: "\n\n".join(d.page_content
                                                                      for d in ds)),
              "question": RunnablePassthrough()}
             | prompt | chat_model(assistant).bind(max_tokens=24) | StrOutputParser())
    pieces = list(chain.stream("What is interdependence?"))
    assert len(pieces) > 3 and "".join(pieces).strip()  # streamed, token by token


def test_stop_and_a_grammar_pass_through_to_the_local_model(assistant: Assistant) -> None:
    model = chat_model(assistant)
    said = model.bind(grammar='root ::= "yes" | "no"', max_tokens=4).invoke("Is water wet?")
    assert said.content in ("yes", "no")
    cut = model.bind(max_tokens=30, stop=["\n", "."]).invoke("Count from one to ten in words.")
    assert "\n" not in str(cut.content) and "." not in str(cut.content)

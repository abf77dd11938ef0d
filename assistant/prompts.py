"""Prompt files (package data), rendered with StrictUndefined: a missing variable is an error."""

from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

_ENV = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)


@cache
def template(name: str) -> Template:
    source = files("assistant").joinpath("prompts", f"{name}.j2").read_text(encoding="utf-8")
    return _ENV.from_string(source)


def render(name: str, **values: Any) -> str:
    return template(name).render(**values).strip()

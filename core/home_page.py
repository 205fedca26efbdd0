"""The home page's sections below its introduction: each domain contributes
its own (what is on next, the forums, this year's awards) from its blueprint
module, so the kernel's home page imports no domain.

A section is a template (a partial holding one `<section>` of the row), a
function `now -> template variables` and the change-counter scopes what it
shows comes from (core/http_cache.py: the home page's validator is made of
them); sections come in the order of their positions.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from core.registry import Slot


@dataclass(frozen=True)
class Section:
    template: str
    variables: Callable[[datetime], dict]
    scopes: tuple[str, ...] = ()


sections = Slot("home-page section")


def section(position: int, template: str, *, scopes: tuple[str, ...]) -> Callable:
    """As a decorator on the function that gives the section's variables."""
    def register(variables: Callable[[datetime], dict]):
        sections.add(position, Section(template, variables, tuple(scopes)),
                     name=f"{variables.__module__}.{variables.__qualname__}")
        return variables
    return register


def scopes() -> set[str]:
    """What every section shows comes from."""
    return {scope for section in sections for scope in section.scopes}

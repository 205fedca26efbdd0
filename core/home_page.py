"""The home page's sections below its introduction: each domain contributes
its own (what is on next, the forums, this year's awards) from its blueprint
module, so the kernel's home page imports no domain.

A section is a template (a partial holding one `<section>` of the row) and a
function `now -> template variables`; sections come in the order of their
positions.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from core.registry import Slot


@dataclass(frozen=True)
class Section:
    template: str
    variables: Callable[[datetime], dict]


sections = Slot("home-page section")


def section(position: int, template: str) -> Callable:
    """As a decorator on the function that gives the section's variables."""
    def register(variables: Callable[[datetime], dict]):
        sections.add(position, Section(template, variables), name=f"{variables.__module__}.{variables.__qualname__}")
        return variables
    return register

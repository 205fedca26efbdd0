"""Contributions a higher layer makes to the kernel (each domain's part of
the privacy procedures, of the home page), kept in the order of their
positions, never in the order in which modules happened to be imported."""
from typing import Callable, Iterator


class Slot:
    """One kind of contribution, kept by position."""

    def __init__(self, what: str):
        self.what = what
        self._held: dict[int, tuple[str, object]] = {}

    def add(self, position: int, contribution, *, name: str | None = None):
        name = name or f"{contribution.__module__}.{contribution.__qualname__}"
        held = self._held.get(position)
        if held is not None and held[0] != name:
            raise ValueError(f"{self.what}: {held[0]} and {name} both ask for position {position}")
        for other, (other_name, _) in list(self._held.items()):
            if other_name == name and other != position:
                del self._held[other]  # moved (a module reloaded with a new position)
        self._held[position] = (name, contribution)
        return contribution

    def __call__(self, position: int) -> Callable:
        """As a decorator: `@registry.sections(20)`."""
        return lambda function: self.add(position, function)

    def __iter__(self) -> Iterator:
        return iter([contribution for _, (_, contribution) in sorted(self._held.items())])

"""Events is the layer forums is built on: it never imports forums. A forum's
coordinators and members reach its meetings through events.audiences."""
import ast
from pathlib import Path

import events

EVENTS = Path(events.__file__).parent


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


def test_no_module_of_events_imports_forums():
    modules = sorted(EVENTS.rglob("*.py"))
    assert EVENTS / "services" / "registration.py" in modules  # the package's own modules are read too
    importing = {str(path.relative_to(EVENTS)): sorted(name for name in imported_modules(path)
                                                       if name == "forums" or name.startswith("forums."))
                 for path in modules}
    assert {path: names for path, names in importing.items() if names} == {}


def test_forums_has_declared_who_takes_part_in_its_events(app):
    """Declared when forums is imported (as the app does), so events' checks never find the answers missing."""
    from events.audiences import _answers
    from forums.services.coordinators import coordinated_forum_ids, is_coordinator
    from forums.services.memberships import active_forum_ids, is_active_member
    assert _answers == {"member": is_active_member, "coordinator": is_coordinator,
                        "coordinated forums": coordinated_forum_ids, "joined forums": active_forum_ids}

"""Templates decide by enum members (`event.status == EventStatus.CANCELLED`),
never by an enum's value string: a mistyped or renamed string is just a false
comparison, so the page quietly takes the wrong branch. Each domain's
blueprint makes its enums available to every template by name."""
import enum
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

QUOTED = r"""(?:'[^']*'|"[^"]*")"""
# `x.value == 'cancelled'`, `x.value != "draft"`, `x.value in ('a', 'b')`, `x.value not in [...]`,
# `'cancelled' == x.value`, and a dict of value strings looked up by `.get(x.value`.
BY_VALUE_STRING = re.compile(
    r"\.value\s*(?:==|!=)\s*" + QUOTED
    + r"|\.value\s+(?:not\s+)?in\s*[(\[]\s*" + QUOTED
    + r"|" + QUOTED + r"\s*(?:==|!=)\s*[\w.()]+\.value\b"
    + r"|\.get\(\s*[\w.()]+\.value\b")
# `EventStatus.CANCELLED` in a template's code: an enum given to templates, and one of its members.
MEMBER = re.compile(r"[A-Z][A-Za-z]+\.[A-Z][A-Z0-9_]*")


def _templates():
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file() and path.suffix in (".html", ".txt", ".xml"):
            yield path.relative_to(TEMPLATES.parent), path.read_text()


def test_no_template_compares_an_enum_by_its_value_string():
    found = {}  # each line once, however many comparisons it holds
    for path, text in _templates():
        for match in BY_VALUE_STRING.finditer(text):
            number = text.count("\n", 0, match.start()) + 1
            found[f"{path}:{number}"] = f"{path}:{number}: {text.splitlines()[number - 1].strip()}"
    assert not found, ("Compare enum members, not value strings "
                       "(`event.status == EventStatus.CANCELLED`):\n" + "\n".join(found.values()))


def test_every_enum_member_a_template_names_exists(app):
    """An enum a template names must be given to templates, and the member
    must be one of its own: `EventStatus.CANCELED` would be undefined, and
    as false as a mistyped string."""
    with app.test_request_context():
        context = {}
        app.update_template_context(context)
    enums = {name: value for name, value in context.items()
             if isinstance(value, type) and issubclass(value, enum.Enum)}
    named, wrong = set(), []
    for path, text in _templates():
        tokens = [(line, kind, value) for line, kind, value in app.jinja_env.lex(text) if kind != "whitespace"]
        for (line, kind, name), (_, _, dot), (_, after, member) in zip(tokens, tokens[1:], tokens[2:]):
            if (kind, dot, after) == ("name", ".", "name") and MEMBER.fullmatch(f"{name}.{member}"):
                named.add(name)
                if name not in enums:
                    wrong.append(f"{path}:{line}: {name} is not given to templates")
                elif member not in enums[name].__members__:
                    wrong.append(f"{path}:{line}: {name} has no member {member}")
    assert not wrong, "\n".join(wrong)
    assert {"EventStatus", "RegistrationStatus", "MembershipStatus", "NominationStatus"} <= named


def test_the_pattern_finds_each_way_of_comparing_by_value_string():
    for line in ("{% if event.status.value == 'cancelled' %}", '{% if meeting.status.value != "published" %}',
                 "{% if mine.status.value in ('applied', 'active') %}", "{% if s.value not in ['draft'] %}",
                 "{{ 'a' if 'winner' == outcome.value else 'b' }}", "{{ {'confirmed': 'x'}.get(status.value, '') }}",
                 "{{ 'x' if category.cycle.stage(now).value == 'judging' }}", "{% if s.value in (\n  'draft') %}"):
        assert BY_VALUE_STRING.search(line), line
    for line in ("{% if event.status == EventStatus.CANCELLED %}", "{% if value == action.status.value %}",
                 "{{ {'key': {'text': 'Status'}, 'value': {'text': status.label}} }}",
                 "{% if status in (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED) %}"):
        assert not BY_VALUE_STRING.search(line), line

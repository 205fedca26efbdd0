"""The privacy registry: each domain's own part of "Your data", of deleting
an account and of retention, kept in the order of their positions.

Domains register their functions in their own `privacy.py` (events/privacy.py,
forums/privacy.py, awards/privacy.py, reports/privacy.py), which their blueprint
module imports,
so they are registered once the app is built. A table that holds anything
about a person gets its functions beside it in its domain's privacy.py: what
the person sees of it, what erasing their account does to it, and when
retention removes it; a new audit action gets its name there too. The order of the your-data sections, erasure steps and
retention steps is the order of their positions, never the order in which
modules happened to be imported; two contributions cannot share a position.
"""
from core.registry import Slot

# "Your data": functions user -> Section, one section each (your_data.py).
sections = Slot("your-data section")
# Records a person owns whose audit entries "Your data" includes: (model, owned_by), where
# owned_by(user) is the clause that picks the person's rows (your_data.theirs).
audited_records = Slot("audited record")
# The names "Your data" gives the audit actions a domain records: dicts of action -> lazy name
# ({"registration.cancelled": _l("Registration cancelled")}); every action recorded needs one.
audit_action_names = Slot("audit action names")
# Deleting an account: functions user -> list of reasons to wait (nothing, usually) ...
erasure_blockers = Slot("reason to wait")
# ... and functions user -> None, run in order before the account itself goes (erasure.py).
erasure_steps = Slot("erasure step")
# Retention: the periods (retention.Period) the privacy notice lists ...
retention_periods = Slot("retention period")
# ... and functions now -> {what was done: how many records}, run in order (retention.py).
retention_steps = Slot("retention step")
# Taking part since a date keeps equality answers: functions (person_key column, since) -> clause.
participation = Slot("kind of taking part")

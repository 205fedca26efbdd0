"""A nomination's lifecycle, written down once: its states, the transitions
between them and the service function that makes each one. The states are
read from what is stored (the nomination's status, its decision and whether
the cycle's results are published); docs/lifecycles/nomination.md draws
them, and tests/awards/test_lifecycle.py drives the services at random and
checks that every change of state is one of these."""
import enum

from awards.models import ON_SHORTLIST, AwardCycle, Decision, Nomination, NominationStatus


class NominationState(enum.Enum):
    DRAFT = "draft"                                  # a signed-in nominator is still writing
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # a guest has not yet followed the emailed link
    SENT = "sent"                                    # waiting to be screened
    SCREENED = "screened"                            # eligible: the panel judges it
    INELIGIBLE = "ineligible"
    WITHDRAWN = "withdrawn"
    SHORTLISTED = "shortlisted"                      # the panel's decision puts it on the shortlist
    NOT_SHORTLISTED = "not_shortlisted"              # the panel's decision leaves it off
    DECIDED = "decided"                              # the results are published: the decision is final


_BY_STATUS = {NominationStatus.DRAFT: NominationState.DRAFT,
              NominationStatus.UNCONFIRMED: NominationState.AWAITING_CONFIRMATION,
              NominationStatus.SUBMITTED: NominationState.SENT,
              NominationStatus.INELIGIBLE: NominationState.INELIGIBLE,
              NominationStatus.WITHDRAWN: NominationState.WITHDRAWN}


def state_of(nomination: Nomination, decision: Decision | None, cycle: AwardCycle) -> NominationState | None:
    """Where the nomination is in its lifecycle; None for a combination the
    lifecycle does not have (a decision on a nomination that is not eligible,
    or on one judged under another)."""
    if nomination.status != NominationStatus.ELIGIBLE:
        return None if decision is not None else _BY_STATUS[nomination.status]
    if decision is None:
        return NominationState.SCREENED
    if nomination.group_with_id is not None:
        return None
    if cycle.results_published_at is not None:
        return NominationState.DECIDED
    return NominationState.SHORTLISTED if decision.outcome in ON_SHORTLIST else NominationState.NOT_SHORTLISTED


S = NominationState
# (from, to): the service functions (in awards.nominating, awards.screening and awards.decisions)
# that make that change. None as `from` is a nomination that did not exist before. Changes within
# a state (a draft saved again, a decision changed within the shortlist, a nomination moved while
# still to be screened) are not transitions.
TRANSITIONS: dict[tuple[NominationState | None, NominationState], frozenset[str]] = {
    (None, S.DRAFT): frozenset({"nominate"}),
    (None, S.AWAITING_CONFIRMATION): frozenset({"nominate"}),
    (None, S.SENT): frozenset({"nominate"}),
    (S.DRAFT, S.SENT): frozenset({"nominate"}),
    (S.AWAITING_CONFIRMATION, S.SENT): frozenset({"confirm_nomination"}),
    (S.SENT, S.SCREENED): frozenset({"mark_eligible"}),
    (S.SENT, S.INELIGIBLE): frozenset({"mark_ineligible"}),
    (S.SCREENED, S.INELIGIBLE): frozenset({"mark_ineligible"}),
    (S.INELIGIBLE, S.SCREENED): frozenset({"mark_eligible"}),
    (S.SCREENED, S.SENT): frozenset({"move_nomination"}),
    (S.INELIGIBLE, S.SENT): frozenset({"move_nomination"}),
    (S.DRAFT, S.WITHDRAWN): frozenset({"withdraw_nomination"}),
    (S.AWAITING_CONFIRMATION, S.WITHDRAWN): frozenset({"withdraw_nomination"}),
    (S.SENT, S.WITHDRAWN): frozenset({"withdraw_nomination"}),
    (S.SCREENED, S.WITHDRAWN): frozenset({"withdraw_nomination"}),
    (S.INELIGIBLE, S.WITHDRAWN): frozenset({"withdraw_nomination"}),
    (S.SCREENED, S.SHORTLISTED): frozenset({"decide"}),
    (S.SCREENED, S.NOT_SHORTLISTED): frozenset({"decide"}),
    (S.SHORTLISTED, S.NOT_SHORTLISTED): frozenset({"decide"}),
    (S.NOT_SHORTLISTED, S.SHORTLISTED): frozenset({"decide"}),
    (S.SHORTLISTED, S.DECIDED): frozenset({"publish_results"}),
    (S.NOT_SHORTLISTED, S.DECIDED): frozenset({"publish_results"}),
    (S.DECIDED, S.SHORTLISTED): frozenset({"reopen_results"}),
    (S.DECIDED, S.NOT_SHORTLISTED): frozenset({"reopen_results"}),
}

"""The forum rules, one module per concern. Import each function from the
module that owns it; this package re-exports nothing.

    coordinators    a forum's details and rules, its coordinators, and who coordinates what
    applying        asking to join (open, invitation-only, youth and interfaith forums), withdrawing
    memberships     the coordinators' decisions (approve, decline, suspend, reinstate, remove,
                    roles), what a membership ending gives up, who is an active member, their lists
    consent         a parent or carer's consent for members under 18, by its emailed link
    renewal         renewing a membership's term, and the reminders before it ends
    invitations     inviting someone by email to join, and their links
    announcements   a forum's announcements, emailed a few at a time, and turning them off
    safeguarding    who counts as young, and the DBS checks of the adults who may see their details
    translations    the forum's purpose and public text in other languages
    seats           the forum's lock and the counting of faith community seats (shared by the above)
    errors          what the rules refuse with

Functions take an `actor` where someone acts, flush but never commit, and
raise an `errors.ForumRuleBroken`. A forum's meetings are in forums.meetings.

A membership leaving ACTIVE (suspended, removed, a parent or carer's consent
withdrawn) gives up its places at the forum's members-only meetings still to
come, through events' cancellation (which, like any capacity change, needs
the same lock as below on SQLite).

Decisions that count seats (approving against a faith cap) lock the forum
row first (`seats.lock_forum`): PostgreSQL locks it; SQLite needs the
caller's transaction to have begun under `core.database.write_lock()`.
"""

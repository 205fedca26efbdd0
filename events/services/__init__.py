"""The event rules, one module per concern. Import each function from the
module that owns it; this package re-exports nothing.

    scheduling          create, change, publish, hide, cancel, postpone, reschedule an event
    registration        book or wait, guest bookings and their confirmation, cancel a place
    waiting_list        offers of freed places, accepting them, expiry
    programme           sessions within an event and the sessions people choose
    invitations         inviting people to an event, and their links
    check_in            checking in, walk-ins, attendance counts
    questions           extra questions asked when registering
    reminders           reminders before an event
    calendars           personal calendar feed addresses, events attached to emails
    translations        an event's title, summary and description in other languages
    venues, priorities  the venues and cohesion priorities events use
    places              the event's lock and the counting of its places (shared by the above)
    registration_links  signed links to a registration in emails (shared)
    booking_emails      the booking and cancellation emails (shared)
    errors              what the rules refuse with

Functions take an `actor` where someone acts, flush but never commit (but
for waiting_list.expire_offers, run from cron, which commits per event), and
raise an `errors.EventRuleBroken`. Every function that uses up or frees places
locks the event first (places._lock).
"""

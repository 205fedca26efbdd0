"""The role x route matrix. Every route in the app must have a row here: a
new route without one fails `test_every_route_is_in_the_matrix`."""
from datetime import timedelta
from types import SimpleNamespace
import hashlib
import zlib

import pytest

from core import progress, unsubscribes
from core.database import utcnow, write_lock
from core.models import ImportStatus, OutboxMessage, OutboxStatus, SpreadsheetImport, Unsubscribe
from core.extensions import db
from core.accounts.models import User
from core.partners.models import PartnerContact, PartnerKind, PartnerOrganisation
from events.models import (
    Attendance, Audience, EventImage, EventKind, EventMessage, EventQuestion, EventTranslation, QuestionKind,
    SurveyInvitation,
)
from events.services.calendars import renew_calendar_link
from events.services.registration_links import registration_token
from awards.models import (
    CategoryTranslation, ConflictDeclaration, ConflictKind, Exclusion, Nomination, NominationStatus, PanelMember,
)
from forums.models import ActionItem, ForumCoordinator, ForumInvitation, ForumTranslation
from tests.conftest import csrf_token, every_row, made_once, restore_rows, sign_in
from tests.events.factories import (
    EventFactory, PriorityFactory, RegistrationFactory, SessionFactory, VenueFactory,
)
from tests.awards.factories import CategoryFactory
from tests.factories import PASSWORD, TOTP_SECRET, UserFactory
from tests.forums.factories import ForumFactory, MembershipFactory

# "event_organiser" organises the event under test; "organiser" has the role
# but organises other events.
# "forum_coordinator" coordinates the forum under test; "other_coordinator" another forum.
# "judge" sits on the panel of the category under test; "conflicted_judge" too, with a declared conflict.
ROLES = ["visitor", "member", "organiser", "event_organiser", "awards_administrator", "admin", "forum_coordinator",
         "other_coordinator", "judge", "conflicted_judge", "equality_monitor"]
SIGN_IN = "redirect to sign in"


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, visitor=SIGN_IN):
    return {"visitor": visitor, **dict.fromkeys(ROLES[1:], outcome)}


def only(allowed: set, outcome=200, denied=403):
    return {"visitor": SIGN_IN, **{role: outcome if role in allowed else denied for role in ROLES[1:]}}


ORGANISERS = {"organiser", "event_organiser", "admin"}
THIS_EVENTS_ORGANISERS = {"event_organiser", "admin"}
FORUM_RUNNERS = {"forum_coordinator", "admin"}
AWARDS_TEAM = {"awards_administrator", "admin"}
JUDGES = {"judge", "conflicted_judge"}
# Who sees the partner organisations and adds a missing one while linking it (core/partners/permissions.py).
PARTNER_PICKERS = ORGANISERS | AWARDS_TEAM | {"forum_coordinator", "other_coordinator"}

# endpoint: (method, path, expected outcome per role). Placeholders name the
# objects made by `world` below.
MATRIX = {
    "static": ("GET", "/static/images/favicon.svg", everyone(200)),
    "core.home": ("GET", "/", everyone(200)),
    "core.accessibility": ("GET", "/accessibility", everyone(200)),
    "core.privacy": ("GET", "/privacy", everyone(200)),
    "core.cookies": ("GET", "/cookies", everyone(200)),
    # The language links: a visitor's choice is a cookie, set by a link; a signed-in person's is saved on their
    # account, so it is the menu's form (POST), and a link shows them that form.
    "core.choose_language": ("GET", "/language/pl", signed_in(200, visitor=302)),
    "core.healthz": ("GET", "/healthz", everyone(200)),
    "core.readyz": ("GET", "/readyz", everyone(200)),
    # For Prometheus, by bearer token, not by role: without METRICS_TOKEN (as here) it is not there for anyone
    # (tests/core/test_observability.py gives it a token).
    "core.metrics": ("GET", "/metrics", everyone(404)),
    "core.sign_up": ("GET", "/sign-up", signed_in(302, visitor=200)),
    "core.sign_in": ("GET", "/sign-in", signed_in(302, visitor=200)),
    "core.sign_out": ("POST", "/sign-out", signed_in(302)),
    "core.confirm_email": ("GET", "/confirm-email/not-a-token", everyone(400)),
    "core.resend_confirmation": ("POST", "/confirm-email/resend", everyone(400)),
    "core.forgot_password": ("GET", "/forgot-password", everyone(200)),
    "core.reset_password": ("GET", "/reset-password/not-a-token", everyone(400)),
    "core.account": ("GET", "/account", signed_in(200)),
    "core.edit_profile": ("GET", "/account/profile", signed_in(200)),
    "core.change_email": ("GET", "/account/email", signed_in(200)),
    "core.undo_email_change": ("GET", "/account/email/undo/not-a-token", everyone(400)),
    "core.change_password": ("GET", "/account/password", signed_in(200)),
    "core.your_data": ("GET", "/account/your-data", signed_in(200)),
    "core.your_data_download": ("GET", "/account/your-data.json", signed_in(200)),
    "core.delete_account": ("GET", "/account/delete", signed_in(200)),
    # The link in a non-essential email is its own key (signed), for anyone who has it: opening it changes nothing.
    # Turning stopped emails back on is for the account's own address, and only what it stopped (no scope: 404).
    "core.unsubscribe": ("GET", "/unsubscribe/{unsubscribe_token}", everyone(200)),
    "core.resubscribe": ("POST", "/account/emails/turn-on", signed_in(404)),
    # The second factor. The code steps belong to a sign-in held between the password and the code: with none
    # held (here) they go back to signing in, or to the account of someone signed in already.
    "core.sign_in_code": ("GET", "/sign-in/code", signed_in(302, visitor=302)),
    "core.sign_in_recovery_code": ("GET", "/sign-in/recovery-code", signed_in(302, visitor=302)),
    "core.sign_in_set_up": ("GET", "/sign-in/set-up-code", signed_in(302, visitor=302)),
    # Signing in with an OpenID Connect provider: not configured here (tests/core/test_oidc.py configures one).
    "core.oidc_sign_in": ("POST", "/sign-in/provider", everyone(404)),
    "core.oidc_callback": ("GET", "/sign-in/provider/callback", everyone(404)),
    # Each person's own app. Staff signed in here have one set up already (back to the account page), members not.
    "core.set_up_second_factor": ("GET", "/account/sign-in-codes", {
        **signed_in(302), "member": 200}),
    "core.new_recovery_codes": ("GET", "/account/sign-in-codes/recovery-codes", {
        **signed_in(200), "member": 302}),
    "core.turn_off_second_factor": ("GET", "/account/sign-in-codes/turn-off", {
        **signed_in(200), "member": 302}),
    "core.admin_users": ("GET", "/admin/users", only({"admin"})),
    "core.admin_user": ("GET", "/admin/users/{other}", only({"admin"})),
    # {other} has no app to reset: refused with a message on their page.
    "core.reset_second_factor": ("POST", "/admin/users/{other}/reset-sign-in-codes", only({"admin"}, 302)),
    "core.audit_log": ("GET", "/admin/audit", only({"admin"})),
    "core.duplicate_people": ("GET", "/admin/people/duplicates", only({"admin"})),
    "core.merge_preview": ("GET", "/admin/people/merge?keep=user:{other}&merge=user:{judge}", only({"admin"})),
    # The admin merges the judge's second account into {other}'s, then sees {other}'s page.
    "core.merge_people": ("POST", "/admin/people/merge?keep=user:{other}&merge=user:{judge}", only({"admin"}, 302)),
    "core.email_delivery": ("GET", "/admin/email", only({"admin"})),
    # {outbox_message} was sent: an admin's retry finds nothing to send again (a message), others are refused.
    "core.send_email_again": ("POST", "/admin/email/{outbox_message}/send-again", only({"admin"}, 302)),
    # Partner organisations: organisers and admins keep the list; the awards team and forum coordinators (of any
    # forum) see it and add one that is missing while linking it.
    "core.partners": ("GET", "/partners", only(PARTNER_PICKERS)),
    "core.add_partner": ("GET", "/partners/new", only(PARTNER_PICKERS)),
    "core.partner": ("GET", "/partners/{partner}", only(PARTNER_PICKERS)),
    "core.edit_partner": ("GET", "/partners/{partner}/edit", only(ORGANISERS)),
    # The page says what still links to it (the event it co-hosts); its button is the POST at the same address.
    "core.delete_partner": ("GET", "/partners/{partner}/delete", only(ORGANISERS)),
    "core.edit_partner_contact": ("GET", "/partners/{partner}/contacts/{partner_contact}/edit", only(ORGANISERS)),
    "core.remove_partner_contact": ("POST", "/partners/{partner}/contacts/{partner_contact}/remove",
                                    only(ORGANISERS, 302)),
    # A person's own jobs: {job} is {other}'s, so it does not exist for anyone else.
    "core.jobs": ("GET", "/jobs", signed_in(200)),
    "core.job": ("GET", "/jobs/{job}", signed_in(404)),
    "core.job_progress": ("GET", "/jobs/{job}/progress", signed_in(404)),
    # Equality monitoring: each person's own answers only (a guest's through their emailed link, the same
    # endpoints under /about-you/guest/<token>). Without consent the questions go back to the statement.
    "core.about_you": ("GET", "/about-you", signed_in(200)),
    "core.equality_consent": ("POST", "/about-you/consent", signed_in(302)),
    "core.equality_questions": ("GET", "/about-you/questions", signed_in(302)),
    "core.equality_follow_up": ("GET", "/about-you/follow-up", signed_in(302)),
    "core.equality_adult_questions": ("GET", "/about-you/more-questions", signed_in(302)),
    "core.equality_withdraw": ("POST", "/about-you/withdraw", signed_in(302)),
    # events: the public side
    "events.event_list": ("GET", "/events", everyone(200)),
    "events.event_page": ("GET", "/events/{event}", everyone(200)),
    "events.register": ("GET", "/events/{event}/register", everyone(200)),
    "events.event_image": ("GET", "/events/{event}/picture/{digest}.jpg", everyone(200)),
    "events.event_ics": ("GET", "/events/{event}/event.ics", everyone(200)),
    "events.site_calendar": ("GET", "/calendar.ics", everyone(200)),
    "events.kind_calendar": ("GET", "/calendar/kind/workshop.ics", everyone(200)),
    "events.priority_calendar": ("GET", "/calendar/priority/{priority_slug}.ics", everyone(200)),
    "events.registration": ("GET", "/registrations/{token}", everyone(200)),
    # The registration is confirmed already: the link sends everyone to its page, as it says where it stands.
    "events.confirm_guest": ("GET", "/registrations/{token}/confirm", everyone(302)),
    "events.confirm_guest_submit": ("POST", "/registrations/{token}/confirm", everyone(302)),
    "events.accept_offer": ("POST", "/registrations/{token}/accept", everyone(302)),
    # What the booking asks for to take part: its holder's, reached by the emailed link like the booking itself.
    "events.change_access_requests": ("GET", "/registrations/{token}/access", everyone(200)),
    # The page asking first and, from its button, the cancelling (one endpoint, GET and POST).
    "events.cancel_by_link": ("GET", "/registrations/{token}/cancel", everyone(200)),
    "events.my_events": ("GET", "/my-events", signed_in(200)),
    # Only the person who registered can cancel from My events; to anyone else it does not exist.
    "events.cancel_mine": ("GET", "/my-events/{registration}/cancel", signed_in(404)),
    # Each person renews or stops only their own calendar address; the address itself is the key to the feed.
    "events.renew_calendar_link": ("POST", "/my-events/calendar-link", signed_in(302)),
    "events.stop_calendar_link": ("POST", "/my-events/calendar-link/stop", signed_in(302)),
    "events.personal_calendar": ("GET", "/calendar/personal/{calendar_token}.ics", everyone(200)),
    # The outcome survey is reached by its emailed link alone, whoever is signed in (tests/events/test_surveys.py
    # has altered, used and expired links).
    "events.survey": ("GET", "/survey/{survey_token}", everyone(200)),
    "events.survey_thanks": ("GET", "/survey/thanks", everyone(200)),
    # events: organisers
    "events.manage_list": ("GET", "/manage/events", only(ORGANISERS)),
    "events.create_event": ("GET", "/manage/events/new", only(ORGANISERS)),
    "events.manage_event": ("GET", "/manage/events/{event}", only(THIS_EVENTS_ORGANISERS)),
    "events.edit_event": ("GET", "/manage/events/{event}/edit", only(THIS_EVENTS_ORGANISERS)),
    "events.publish_event": ("POST", "/manage/events/{event}/publish", only(THIS_EVENTS_ORGANISERS, 302)),
    "events.unpublish_event": ("POST", "/manage/events/{event}/unpublish", only(THIS_EVENTS_ORGANISERS, 302)),
    "events.change_status": ("GET", "/manage/events/{event}/status", only(THIS_EVENTS_ORGANISERS)),
    "events.registrations_csv": ("GET", "/manage/events/{event}/registrations.csv", only(THIS_EVENTS_ORGANISERS)),
    "events.attendees_pdf": ("GET", "/manage/events/{event}/attendees.pdf", only(THIS_EVENTS_ORGANISERS)),
    "events.badges_pdf": ("GET", "/manage/events/{event}/badges.pdf", only(THIS_EVENTS_ORGANISERS)),
    "events.check_in_page": ("GET", "/manage/events/{event}/check-in", only(THIS_EVENTS_ORGANISERS)),
    "events.check_in": ("POST", "/manage/events/{event}/check-in/{registration}",
                        only(THIS_EVENTS_ORGANISERS, 302)),
    "events.undo_check_in": ("POST", "/manage/events/{event}/check-in/{registration}/undo",
                             only(THIS_EVENTS_ORGANISERS, 302)),
    "events.add_walk_in": ("POST", "/manage/events/{event}/walk-ins", only(THIS_EVENTS_ORGANISERS, 200)),
    # The page and its button are one endpoint each (GET and POST): the walk-in is the event's own.
    "events.change_walk_in": ("GET", "/manage/events/{event}/walk-ins/{walk_in}/change",
                              only(THIS_EVENTS_ORGANISERS)),
    "events.remove_walk_in": ("GET", "/manage/events/{event}/walk-ins/{walk_in}/remove",
                              only(THIS_EVENTS_ORGANISERS)),
    # Settled attendance: only admins reopen it or settle it early, not even the event's own organisers. The
    # event here is still to come, so the page says there is nothing to reopen and settling is refused with a message.
    "events.reopen_attendance": ("GET", "/manage/events/{event}/attendance/reopen", only({"admin"})),
    "events.settle_attendance": ("POST", "/manage/events/{event}/attendance/settle", only({"admin"}, 302)),
    "events.questions": ("GET", "/manage/events/{event}/questions", only(THIS_EVENTS_ORGANISERS)),
    "events.set_surveys": ("POST", "/manage/events/{event}/surveys/off", only(THIS_EVENTS_ORGANISERS, 302)),
    "events.invitations": ("GET", "/manage/events/{event}/invitations", only(THIS_EVENTS_ORGANISERS)),
    "events.book_for": ("GET", "/manage/events/{event}/book", only(THIS_EVENTS_ORGANISERS)),
    # Messages to the event's people: its organisers write, preview and send them (an empty send is the form
    # again, with its errors) and see them in its history.
    "events.write_message": ("GET", "/manage/events/{event}/messages/new", only(THIS_EVENTS_ORGANISERS)),
    "events.send_message": ("POST", "/manage/events/{event}/messages/send", only(THIS_EVENTS_ORGANISERS, 200)),
    "events.event_message": ("GET", "/manage/events/{event}/messages/{event_message}",
                             only(THIS_EVENTS_ORGANISERS)),
    # Asked first when people have answered the question (this one has no answers yet); the button is the POST.
    "events.confirm_delete_question": ("GET", "/manage/events/{event}/questions/{question}/remove",
                                       only(THIS_EVENTS_ORGANISERS)),
    "events.delete_question": ("POST", "/manage/events/{event}/questions/{question}/delete",
                               only(THIS_EVENTS_ORGANISERS, 302)),
    "events.manage_programme": ("GET", "/manage/events/{event}/programme", only(THIS_EVENTS_ORGANISERS)),
    "events.edit_session": ("GET", "/manage/events/{event}/programme/{session}/edit", only(THIS_EVENTS_ORGANISERS)),
    "events.delete_session": ("GET", "/manage/events/{event}/programme/{session}/delete",
                              only(THIS_EVENTS_ORGANISERS)),
    # The emailed link is the person's key to their own registration.
    "events.join_session": ("POST", "/registrations/{token}/sessions/{session}/join", everyone(302)),
    "events.leave_session": ("POST", "/registrations/{token}/sessions/{session}/leave", everyone(302)),
    "events.venues": ("GET", "/manage/venues", only(ORGANISERS)),
    # The event's co-hosts ({partner} is one): its organisers'.
    "events.co_hosts": ("GET", "/manage/events/{event}/co-hosts", only(THIS_EVENTS_ORGANISERS)),
    "events.remove_co_host": ("POST", "/manage/events/{event}/co-hosts/{partner}/remove",
                              only(THIS_EVENTS_ORGANISERS, 302)),
    "events.priorities": ("GET", "/admin/priorities/{priority}", only({"admin"})),
    "events.edit_venue": ("GET", "/manage/venues/{venue}/edit", only(ORGANISERS)),
    # The event's title, summary and description in other languages: its organisers' (the event has a Polish one).
    "events.event_version": ("GET", "/manage/events/{event}/languages/pl", only(THIS_EVENTS_ORGANISERS)),
    "events.remove_event_version": ("POST", "/manage/events/{event}/languages/pl/remove",
                                    only(THIS_EVENTS_ORGANISERS, 302)),
    # forums
    "forums.forum_list": ("GET", "/forums", everyone(200)),
    "forums.forum_page": ("GET", "/forums/{forum}", everyone(200)),
    "forums.apply": ("GET", "/forums/{forum}/apply", signed_in(200)),
    # Nobody signing in here has a membership of this forum to withdraw or change.
    "forums.withdraw": ("POST", "/forums/{forum}/withdraw", signed_in(404)),
    "forums.contact_sharing": ("POST", "/forums/{forum}/contact-sharing", signed_in(404)),
    "forums.directory": ("GET", "/forums/{forum}/members", only(FORUM_RUNNERS)),
    "forums.manage": ("GET", "/forums/{forum}/manage", only(FORUM_RUNNERS)),
    "forums.members_csv": ("GET", "/forums/{forum}/manage/members.csv", only(FORUM_RUNNERS)),
    "forums.membership": ("GET", "/forums/{forum}/manage/memberships/{membership}", only(FORUM_RUNNERS)),
    # No partner chosen: the member is saved as representing none.
    "forums.membership_partner": ("POST", "/forums/{forum}/manage/memberships/{membership}/partner",
                                  only(FORUM_RUNNERS, 302)),
    # The signed link is the parent or carer's key.
    "forums.parent_consent": ("GET", "/forums/consent/not-a-token", everyone(400)),
    "forums.withdraw_consent": ("POST", "/forums/consent/not-a-token/withdraw", everyone(400)),
    # A forum's coordinators change its details and rules; only admins set a forum up or choose coordinators.
    "forums.edit_forum": ("GET", "/admin/forums/{forum}/edit", only(FORUM_RUNNERS)),
    "forums.add_coordinator": ("POST", "/admin/forums/{forum}/coordinators", only({"admin"}, 400)),
    "forums.remove_coordinator": ("POST", "/admin/forums/{forum}/coordinators/{other}/remove", only({"admin"}, 302)),
    "forums.safeguarding": ("GET", "/admin/safeguarding", only({"admin"})),
    # The forum's purpose and public text in other languages: those who change its details (it has a Polish one).
    "forums.forum_version": ("GET", "/admin/forums/{forum}/languages/pl", only(FORUM_RUNNERS)),
    "forums.remove_forum_version": ("POST", "/admin/forums/{forum}/languages/pl/remove", only(FORUM_RUNNERS, 302)),
    # meetings, actions, announcements and invitations
    "forums.forum_calendar": ("GET", "/forums/{forum}/calendar.ics", everyone(200)),
    "forums.schedule_meeting": ("GET", "/forums/{forum}/meetings/new", only(FORUM_RUNNERS)),
    "forums.meeting": ("GET", "/forums/{forum}/meetings/{meeting}", only(FORUM_RUNNERS)),
    "forums.meeting_papers": ("POST", "/forums/{forum}/meetings/{meeting}/papers", only(FORUM_RUNNERS, 302)),
    "forums.add_action": ("POST", "/forums/{forum}/meetings/{meeting}/actions", only(FORUM_RUNNERS, 400)),
    "forums.action_status": ("POST", "/forums/{forum}/actions/{action}", only(FORUM_RUNNERS, 400)),
    # Only the forum's own active members send apologies; nobody signing in here is one.
    "forums.send_apologies": ("POST", "/forums/{forum}/meetings/{meeting}/apologies", only(set())),
    "forums.withdraw_apologies": ("POST", "/forums/{forum}/meetings/{meeting}/apologies/withdraw", only(set())),
    "forums.announce": ("GET", "/forums/{forum}/announcements/new", only(FORUM_RUNNERS)),
    # The preview's Send button: an empty one is the form again, with its errors.
    "forums.send_announcement": ("POST", "/forums/{forum}/announcements/send", only(FORUM_RUNNERS, 200)),
    "forums.invitations": ("GET", "/forums/{forum}/invitations", only(FORUM_RUNNERS)),
    "forums.withdraw_invitation": ("POST", "/forums/{forum}/invitations/{forum_invitation}/withdraw",
                                   only(FORUM_RUNNERS, 302)),
    "forums.renew": ("POST", "/forums/{forum}/renew", signed_in(404)),
    "forums.announcement_emails": ("POST", "/forums/{forum}/announcement-emails", signed_in(404)),
    # Signed links: the emailed link is the key (an invitation also needs the invited person signed in).
    "forums.announcements_off": ("GET", "/forums/announcements-off/not-a-token", everyone(400)),
    "forums.accept_invitation": ("GET", "/forums/invitations/not-a-token", signed_in(400)),
    # awards: the public side
    "awards.cycle_list": ("GET", "/awards", everyone(200)),
    "awards.cycle_page": ("GET", "/awards/{cycle}", everyone(200)),
    "awards.category_page": ("GET", "/awards/categories/{category}", everyone(200)),
    "awards.nominate": ("GET", "/awards/categories/{category}/nominate", everyone(200)),
    # What happened after sending, to the browser that sent it; to anyone else, the form.
    "awards.nominated": ("GET", "/awards/categories/{category}/nominated", everyone(302)),
    # A nomination is its nominator's: to anyone else (even the awards team, who screen it elsewhere) it is not here.
    "awards.edit_draft": ("GET", "/awards/nominations/{nomination}/edit", signed_in(404)),
    # The page asking first and, from its button, the withdrawing (one endpoint, GET and POST).
    "awards.withdraw_mine": ("GET", "/my-nominations/{nomination}/withdraw", signed_in(404)),
    "awards.my_nominations": ("GET", "/my-nominations", signed_in(200)),
    # Judges reach only their panel's nominations; to anyone else they are not there. A conflicted judge's
    # page says so and shows nothing of the nomination (tests/awards/test_judging_views.py).
    "awards.judging_home": ("GET", "/judging", signed_in(200)),
    "awards.judge_nomination": ("GET", "/judging/nominations/{nomination}", {
        **signed_in(404), **dict.fromkeys(JUDGES, 200)}),
    "awards.declare": ("POST", "/judging/nominations/{nomination}/declaration", {
        **signed_in(404), **dict.fromkeys(JUDGES, 400)}),
    "awards.score": ("POST", "/judging/nominations/{nomination}/scores", {
        **signed_in(404), **dict.fromkeys(JUDGES, 400)}),
    # The page asking first and its button (GET and POST): no draft saved to submit, so back to the nomination.
    "awards.submit_scores": ("GET", "/judging/nominations/{nomination}/submit", {
        **signed_in(404), **dict.fromkeys(JUDGES, 302)}),
    # The emailed link is the nominator's key.
    "awards.nomination_by_link": ("GET", "/awards/nominations/link/not-a-token", everyone(400)),
    "awards.withdraw_by_link": ("GET", "/awards/nominations/link/not-a-token/withdraw", everyone(400)),
    # awards: the awards team
    "awards.manage_cycles": ("GET", "/manage/awards", only(AWARDS_TEAM)),
    "awards.edit_cycle": ("GET", "/manage/awards/{cycle}/edit", only(AWARDS_TEAM)),
    "awards.manage_cycle": ("GET", "/manage/awards/{cycle}", only(AWARDS_TEAM)),
    "awards.copy_categories": ("POST", "/manage/awards/{cycle}/copy", only(AWARDS_TEAM, 400)),
    "awards.add_exclusion": ("POST", "/manage/awards/{cycle}/exclusions", only(AWARDS_TEAM, 400)),
    "awards.remove_exclusion": ("POST", "/manage/awards/exclusions/{exclusion}/remove", only(AWARDS_TEAM, 302)),
    "awards.edit_category": ("GET", "/manage/awards/categories/{category}/edit", only(AWARDS_TEAM)),
    "awards.add_question": ("POST", "/manage/awards/categories/{category}/questions", only(AWARDS_TEAM, 400)),
    "awards.remove_question": ("POST", "/manage/awards/questions/{award_question}/remove", only(AWARDS_TEAM, 302)),
    "awards.add_criterion": ("POST", "/manage/awards/categories/{category}/criteria", only(AWARDS_TEAM, 400)),
    "awards.remove_criterion": ("POST", "/manage/awards/criteria/{criterion}/remove", only(AWARDS_TEAM, 302)),
    # The category's name and text in other languages (it has an Urdu one).
    "awards.category_version": ("GET", "/manage/awards/categories/{category}/languages/ur", only(AWARDS_TEAM)),
    "awards.remove_category_version": ("POST", "/manage/awards/categories/{category}/languages/ur/remove",
                                       only(AWARDS_TEAM, 302)),
    "awards.screening": ("GET", "/manage/awards/{cycle}/nominations", only(AWARDS_TEAM)),
    "awards.screen": ("GET", "/manage/awards/nominations/{nomination}", only(AWARDS_TEAM)),
    # No partner chosen: the nomination is saved as linked to none.
    "awards.nomination_partner": ("POST", "/manage/awards/nominations/{nomination}/partner", only(AWARDS_TEAM, 302)),
    "awards.panel": ("GET", "/manage/awards/categories/{category}/panel", only(AWARDS_TEAM)),
    "awards.remove_judge": ("POST", "/manage/awards/panel/{panel_member}/remove", only(AWARDS_TEAM, 302)),
    "awards.record_conflict": ("POST", "/manage/awards/nominations/{nomination}/conflicts", only(AWARDS_TEAM, 400)),
    "awards.results": ("GET", "/manage/awards/categories/{category}/results", only(AWARDS_TEAM)),
    # No nomination to group with: a bad request for those allowed.
    "awards.group": ("POST", "/manage/awards/nominations/{nomination}/group", only(AWARDS_TEAM, 400)),
    "awards.ungroup": ("POST", "/manage/awards/nominations/{nomination}/ungroup", only(AWARDS_TEAM, 302)),
    "awards.remove_at_nominees_request": ("POST", "/manage/awards/nominations/{nomination}/remove",
                                          only(AWARDS_TEAM, 302)),
    "awards.decide": ("POST", "/manage/awards/nominations/{nomination}/decision", only(AWARDS_TEAM, 400)),
    # Publishing before judging has closed is refused with a message on the cycle's page.
    "awards.publish_shortlist": ("POST", "/manage/awards/{cycle}/publish-shortlist", only(AWARDS_TEAM, 302)),
    "awards.publish_results": ("POST", "/manage/awards/{cycle}/publish-results", only(AWARDS_TEAM, 302)),
    "awards.reopen_results": ("POST", "/manage/awards/{cycle}/reopen", only(AWARDS_TEAM, 400)),
    # Nothing decided yet, so no certificates to print.
    "awards.certificates": ("GET", "/manage/awards/{cycle}/certificates.pdf", only(AWARDS_TEAM, 404)),
    "awards.results_record": ("GET", "/manage/awards/{cycle}/record.pdf", only(AWARDS_TEAM)),
    # Not published yet: not there for anyone.
    "awards.shortlist": ("GET", "/awards/{cycle}/shortlist", everyone(404)),
    "awards.winners": ("GET", "/awards/{cycle}/winners", everyone(404)),
    # reports: organisers their own events, coordinators their forums (tests/reports/test_views.py has
    # every kind of scope), the awards team the cycles, admins everything.
    "reports.index": ("GET", "/reports", only(ORGANISERS | AWARDS_TEAM | {"forum_coordinator", "other_coordinator",
                                                                       "equality_monitor"})),
    "reports.report_page": ("GET", "/reports/event/{event}", only(THIS_EVENTS_ORGANISERS | {"equality_monitor"})),
    "reports.report_download": ("GET", "/reports/event/{event}/report.csv",
                                only(THIS_EVENTS_ORGANISERS | {"equality_monitor"})),
    # The PDF is drawn by the worker: asking for it leads to the job's page.
    "reports.report_pdf": ("POST", "/reports/event/{event}/report.pdf",
                           only(THIS_EVENTS_ORGANISERS | {"equality_monitor"}, 302)),
    "core.job_file": ("GET", "/jobs/{job}/file", signed_in(404)),
    # Outcome survey results: an event's like its report; every priority's for a year like the progress report.
    "reports.survey_results": ("GET", "/reports/event/{event}/survey",
                               only(THIS_EVENTS_ORGANISERS | {"equality_monitor"})),
    "reports.survey_priorities": ("GET", "/reports/surveys/2026", only({"admin", "equality_monitor"})),
    # Spreadsheet import: starting one needs the right over its forum (or event: the same route, another kind);
    # an import is then its uploader's alone ({forum_coordinator}'s here), so it does not exist for anyone else.
    "core.upload_spreadsheet": ("GET", "/imports/forum-members/{forum}", only(FORUM_RUNNERS)),
    "core.match_columns": ("GET", "/imports/{spreadsheet_import}/columns", {**signed_in(404), "forum_coordinator": 200}),
    "core.import_preview": ("GET", "/imports/{spreadsheet_import}/preview", {**signed_in(404), "forum_coordinator": 200}),
    # Its one row is imported, and the summary follows.
    "core.run_import": ("POST", "/imports/{spreadsheet_import}/run", {**signed_in(404), "forum_coordinator": 302}),
    "core.import_summary": ("GET", "/imports/{finished_import}", {**signed_in(404), "forum_coordinator": 200}),
    "core.refused_rows": ("GET", "/imports/{finished_import}/refused.csv",
                          {**signed_in(404), "forum_coordinator": 200}),
    "reports.manage_baselines": ("GET", "/admin/baselines", only({"admin"})),
    # A partner's engagement over time: those who keep the partners list.
    "reports.partner_engagement": ("GET", "/reports/partners/{partner}", only(ORGANISERS)),
    # The standing conference's review of a year spans everything: admins only.
    "reports.progress_report": ("GET", "/reports/progress/2026", only({"admin", "equality_monitor"})),
    # Prepared by the worker: asking for it leads to the job's page.
    "reports.prepare_progress_report": ("POST", "/reports/progress/2026/prepare", only({"admin", "equality_monitor"}, 302)),
    # Open data is public once published (nothing is, here); only admins publish a quarter.
    "reports.open_data": ("GET", "/open-data", everyone(200)),
    "reports.methodology": ("GET", "/reports/methodology", everyone(200)),
    "reports.open_data_csv": ("GET", "/open-data/2025-Q4.csv", everyone(404)),
    "reports.manage_open_data": ("GET", "/admin/open-data", only({"admin"})),
    # The page asking first, and its button (two endpoints at one address).
    "reports.confirm_publish_open_data": ("GET", "/admin/open-data/2025-Q4/publish", only({"admin"})),
    "reports.publish_open_data": ("POST", "/admin/open-data/2025-Q4/publish", only({"admin"}, 302)),
    # The JSON API is public, read-only and the same for everyone.
    "api.events": ("GET", "/api/v1/events", everyone(200)),
    "api.event": ("GET", "/api/v1/events/{event}", everyone(200)),
    "api.priorities": ("GET", "/api/v1/priorities", everyone(200)),
    "api.venues": ("GET", "/api/v1/venues", everyone(200)),
    "api.openapi_document": ("GET", "/api/v1/openapi.json", everyone(200)),
    "api.open_data_releases": ("GET", "/api/v1/open-data", everyone(200)),
    "api.open_data_release": ("GET", "/api/v1/open-data/2025-Q4", everyone(404)),
}


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add these routes to the authorization matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix rows name routes that no longer exist"


@pytest.fixture(scope="module")
def world_rows(shared_app):
    """The world, made once with the factories and kept as rows: restoring
    rows for each check is much quicker than making the world again."""
    return made_once(shared_app, lambda: _make_world(shared_app))


@pytest.fixture
def world(app, world_rows):
    world, rows = world_rows
    restore_rows(app, rows)
    return world


def _make_world(app):
    """Another person, an event with its own organiser, and that person's registration."""
    with app.test_request_context():
        other = UserFactory()
        organiser = UserFactory(roles=["organiser"])
        picture = EventImage(digest="0" * 32, content=b"picture", content_type="image/jpeg", width=300, height=200)
        event = EventFactory(organisers=[organiser], venue=VenueFactory(), image=picture, image_alt="A picture")
        registration = RegistrationFactory(event=event, user=other, name=other.name, email=other.email)
        survey_token = "the-matrix-survey-link"
        db.session.add(SurveyInvitation(event_id=event.id, registration_id=registration.id, language="en",
                                        token_hash=hashlib.sha256(survey_token.encode()).hexdigest(),
                                        sent_at=utcnow(), expires_at=utcnow() + timedelta(days=14)))
        session = SessionFactory(event=event)
        priority = PriorityFactory()
        question = EventQuestion(event_id=event.id, label="Which workshop?", kind=QuestionKind.TEXT)
        walk_in = Attendance(event_id=event.id, walk_in_name="Chris", people=2)
        db.session.add_all([question, walk_in])
        forum, elsewhere = ForumFactory(), ForumFactory()
        # Seats that show other people's details come with a second factor (tests/conftest.py `sign_in` answers it).
        coordinator, other_coordinator = UserFactory(totp_secret=TOTP_SECRET), UserFactory(totp_secret=TOTP_SECRET)
        db.session.add_all([ForumCoordinator(forum_id=forum.id, user_id=coordinator.id),
                            ForumCoordinator(forum_id=elsewhere.id, user_id=other_coordinator.id)])
        membership = MembershipFactory(forum=forum, user=other)
        forum_invitation = ForumInvitation(forum=forum, email="invited@example.org")
        db.session.add(forum_invitation)
        meeting = EventFactory(forum_id=forum.id, kind=EventKind.FORUM_MEETING, audience=Audience.FORUM_MEMBERS)
        db.session.flush()
        action = ActionItem(forum_id=forum.id, event_id=meeting.id, description="Book the hall", owner_id=other.id)
        db.session.add(action)
        category = CategoryFactory()
        db.session.add_all([EventTranslation(event_id=event.id, language="pl", title="Wydarzenie", summary="Opis"),
                            ForumTranslation(forum_id=forum.id, language="pl", purpose="Cel forum"),
                            CategoryTranslation(category_id=category.id, language="ur", name="زمرہ")])
        nomination = Nomination(category=category, status=NominationStatus.ELIGIBLE, nominator_id=other.id,
                                nominator_name=other.name, nominator_email=other.email,
                                relationship_to_nominee="Neighbour", nominee_name="Amira Hussain",
                                nominee_kind=category.nominee_kind, nominee_area="Corby")
        exclusion = Exclusion(cycle_id=category.cycle_id, name="Sam Staff", reason="Staff")
        judge, conflicted_judge = UserFactory(totp_secret=TOTP_SECRET), UserFactory(totp_secret=TOTP_SECRET)
        judges = [PanelMember(category_id=category.id, email=person.email, user_id=person.id)
                  for person in (judge, conflicted_judge)]
        db.session.add_all([nomination, exclusion, *judges])
        db.session.flush()
        db.session.add(ConflictDeclaration(nomination_id=nomination.id, judge_id=conflicted_judge.id,
                                           kind=ConflictKind.FAMILY))
        partner = PartnerOrganisation(name="Central Mosque", name_key="central mosque", kind=PartnerKind.FAITH_GROUP)
        partner_contact = PartnerContact(partner=partner, name="Yusuf Ali", email="yusuf@example.org")
        event.co_hosts.append(partner)
        db.session.add_all([partner, partner_contact])
        job = progress.start_job(owner_id=other.id, title="Invitations", back_url="/")
        spreadsheet_import, finished_import = (
            SpreadsheetImport(kind="forum-members", scope_id=forum.id, owner_id=coordinator.id, file_name="members.csv",
                              content=b"Name,Email,Faith\nAmina Yusuf,amina@example.org,Muslim\n",
                              headers=["Name", "Email", "Faith"], rows_total=1, status=status,
                              mapping={"name": 0, "email": 1, "faith": 2}, finished_at=finished,
                              refused_file=refused)
            for status, finished, refused in ((ImportStatus.MAPPED, None, None),
                                              (ImportStatus.DONE, utcnow(), b"Row,Name\n2,A\n")))
        db.session.add_all([spreadsheet_import, finished_import])
        message = OutboxMessage(recipient=other.email, subject="Hello", body="Hello", status=OutboxStatus.SENT,
                                job_id=job.id)
        db.session.add(message)
        event_message = EventMessage(event_id=event.id, subject="Room change", body="We are in room 2.",
                                     to_booked=True, essential=True, recipients=1, sent_by_id=organiser.id,
                                     draft="world-draft")
        db.session.add(event_message)
        # The other person stopped the partnership's messages that are not essential (their account page says so);
        # their link for the forum's announcements is not used yet.
        db.session.add(Unsubscribe(email_hash=unsubscribes.email_hash(other.email), scope=unsubscribes.PARTNERSHIP))
        unsubscribe_token = unsubscribes.token(other.email, f"forum:{forum.id}")
        db.session.commit()
        with write_lock():
            calendar_token = renew_calendar_link(other, actor=other).token
            db.session.commit()
        return SimpleNamespace(calendar_token=calendar_token, forum=forum.id, elsewhere=elsewhere.id,
                               membership=membership.id, meeting=meeting.id, action=action.id, cycle=category.cycle_id,
                               category=category.id, nomination=nomination.id, exclusion=exclusion.id,
                               award_question=category.questions[0].id, criterion=category.criteria[0].id,
                               panel_member=judges[0].id, judge=judge.id, judge_email=judge.email,
                               conflicted_judge_email=conflicted_judge.email,
                               forum_coordinator_email=coordinator.email,
                               other_coordinator_email=other_coordinator.email, other=other.id, event=event.id,
                               venue=event.venue_id, registration=registration.id,
                               session=session.id, priority=priority.id, question=question.id, walk_in=walk_in.id,
                               token=registration_token(registration), organiser_email=organiser.email,
                               digest=picture.digest, priority_slug=priority.slug, job=job.id,
                               outbox_message=message.id, event_message=event_message.id,
                               unsubscribe_token=unsubscribe_token, survey_token=survey_token,
                               partner=partner.id, partner_contact=partner_contact.id,
                               spreadsheet_import=spreadsheet_import.id, finished_import=finished_import.id,
                               forum_invitation=forum_invitation.id)


def sign_in_as(client, app, role, world, make_user):
    if role == "visitor":
        return
    emails = {"event_organiser": world.organiser_email, "forum_coordinator": world.forum_coordinator_email,
              "other_coordinator": world.other_coordinator_email, "judge": world.judge_email,
              "conflicted_judge": world.conflicted_judge_email}
    if role in emails:
        sign_in(client, SimpleNamespace(email=emails[role], password=PASSWORD))
        return
    sign_in(client, make_user(roles=[] if role == "member" else [role]))


def postgresql_cells(params) -> bool:
    """On PostgreSQL every route runs twice, not eleven times: as one role the
    matrix lets in and one it refuses, taken in turn along ROLES from a
    different place for each route, so over the matrix every role is tried
    and every route's success and refusal run on both databases. SQLite runs
    every cell; what PostgreSQL adds is its dialect and its locking."""
    endpoint, role = params["endpoint"], params["role"]
    expected = MATRIX[endpoint][2]
    start = zlib.crc32(endpoint.encode()) % len(ROLES)
    in_turn = ROLES[start:] + ROLES[:start]
    allowed = [each for each in in_turn if expected[each] not in (SIGN_IN, 403, 404)]
    refused = [each for each in in_turn if expected[each] in (SIGN_IN, 403, 404)]
    return role in (allowed[:1] + refused[:1])


@pytest.mark.postgresql_sample.with_args(postgresql_cells)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_route_answers_each_role_as_the_matrix_says(app, client, make_user, world, endpoint, role):
    method, path, expected = MATRIX[endpoint]
    sign_in_as(client, app, role, world, make_user)
    path = path.format(**vars(world))
    outcome = expected[role]
    denied = outcome in (SIGN_IN, 403, 404)
    if method == "GET":
        response = client.get(path)
    else:
        token = csrf_token(client, "/account" if role != "visitor" else "/sign-in")
        before = every_row(app) if denied else None
        response = client.post(path, data={"csrf_token": token})
        if denied:  # someone else's registration, membership, nomination, score...: untouched
            assert every_row(app) == before, f"{role} was refused {endpoint} but something changed"

    if outcome == SIGN_IN:
        assert response.status_code == 302 and response.location.startswith("/sign-in")
    else:
        assert response.status_code == outcome, response.get_data(as_text=True)[:2000]


# Routes whose other kinds of scope the matrix's one path per endpoint cannot show: the same upload route for
# the contacts import, whose one scope (1, the partnership's contacts list) is for those who keep the partners
# list; no other id is a contacts list.
MORE_PATHS = [
    ("core.upload_spreadsheet", "/imports/contacts/1", only(ORGANISERS)),
    ("core.upload_spreadsheet", "/imports/contacts/2", signed_in(404)),
]


def test_the_other_scopes_of_a_route_answer_each_role_as_listed(app, make_user, world):
    for endpoint, path, expected in MORE_PATHS:
        assert endpoint in MATRIX
        for role in ROLES:
            client = app.test_client()
            sign_in_as(client, app, role, world, make_user)
            response = client.get(path)
            if expected[role] == SIGN_IN:
                assert response.status_code == 302 and response.location.startswith("/sign-in"), (path, role)
            else:
                assert response.status_code == expected[role], (path, role)


def test_an_unconfirmed_account_gets_only_what_a_visitor_gets_on_every_route(app, client, make_user, world):
    """An account whose address is not confirmed is nobody's yet. Here even an
    admin's, holding a session from before its address went unconfirmed, is
    answered on every route exactly as a visitor is, and changes nothing."""
    admin = make_user(roles=["admin"])
    sign_in_as(client, app, "admin", world, lambda **_: admin)
    with app.app_context():
        db.session.get(User, admin.id).email_confirmed_at = None
        db.session.commit()
    for endpoint, (method, path, expected) in sorted(MATRIX.items()):
        path, outcome = path.format(**vars(world)), expected["visitor"]
        if method == "GET":
            response = client.get(path)
        else:
            before = every_row(app)
            response = client.post(path, data={"csrf_token": csrf_token(client, "/sign-in")})
            if outcome in (SIGN_IN, 403, 404):
                assert every_row(app) == before, endpoint
        if outcome == SIGN_IN:
            assert response.status_code == 302 and response.location.startswith("/sign-in"), endpoint
        else:
            assert response.status_code == outcome, endpoint


# The one route that takes a POST without a form token: a mail client's one-click unsubscribe (RFC 8058)
# sends only `List-Unsubscribe=One-Click`; the signed token in its address is the key
# (core/views/unsubscribe.py). Any other route here is a mistake.
CSRF_EXEMPT = {"core.unsubscribe"}


def test_every_route_that_changes_things_refuses_a_missing_or_forged_form_token(app, client, make_user, world):
    """Found from the URL map, so a new POST route is covered without a line here.
    Sent as an admin, whom no permission check would stop."""
    assert {f"{view.__module__}.{view.__name__}" for view in app.view_functions.values()
            if f"{view.__module__}.{view.__name__}" in app.extensions["csrf"]._exempt_views} == \
        {"core.views.unsubscribe.unsubscribe"}
    changing = sorted({rule.endpoint for rule in app.url_map.iter_rules()
                       if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}} - CSRF_EXEMPT)
    assert len(changing) >= 90
    sign_in_as(client, app, "admin", world, make_user)
    before = every_row(app)
    for endpoint in changing:
        path = MATRIX[endpoint][1].format(**vars(world))
        for data in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data)
            assert response.status_code == 400, f"{endpoint} answered {response.status_code} to {data}"
    assert every_row(app) == before


def test_every_page_type_sends_the_security_headers(app, client, make_user, world):
    """Every GET route of the matrix, as an admin (who may see them all)."""
    sign_in_as(client, app, "admin", world, make_user)
    pages = 0
    for endpoint, (method, path, _) in sorted(MATRIX.items()):
        if method != "GET":
            continue
        response = client.get(path.format(**vars(world)))
        headers = response.headers
        assert "unsafe-inline" not in headers["Content-Security-Policy"], endpoint
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], endpoint
        assert headers["X-Content-Type-Options"] == "nosniff", endpoint
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", endpoint
        if response.mimetype == "text/html":
            pages += 1
            assert "no-store" in headers["Cache-Control"] and "public" not in headers["Cache-Control"], endpoint
            # Markup a template joined to escaped data shows as text ("Remove<span class=...").
            text = response.get_data(as_text=True)
            assert "&lt;span" not in text and "&lt;a " not in text, endpoint
    assert pages >= 80


# GET routes whose answer carries no person's data and no session, so any cache may keep it for anyone:
# static files, event pictures (by their digest), the public calendar feeds, and the API's published figures and
# its OpenAPI document (English for everyone, no change counter: their ETag is their body's digest).
KEPT_FOR_ANYONE = {"static", "events.event_image", "events.site_calendar", "events.kind_calendar",
                   "events.priority_calendar", "events.event_ics", "forums.forum_calendar",
                   "api.open_data_releases", "api.open_data_release", "api.openapi_document"}


@pytest.mark.parametrize("role", ["visitor", "member", "admin"])
def test_no_answer_with_a_session_or_personal_content_is_public(app, client, make_user, world, role):
    """Over every GET route of the matrix: an answer a shared cache may keep
    (`public`) sets no cookie, is never given to someone signed in (the same
    address gives them `private, no-store`), and says it varies with the
    cookie; the visitors' pages that may be kept are the ones core.http_cache
    serves (and the feeds, files and pictures that are the same for all)."""
    sign_in_as(client, app, role, world, make_user)
    public = set()
    for endpoint, (method, path, expected) in sorted(MATRIX.items()):
        if method != "GET":
            continue
        # A visitor as each route first meets them (a page with a form gives them a session from then on).
        asking = app.test_client() if role == "visitor" else client
        response = asking.get(path.format(**vars(world)))
        cache_control = response.headers.get("Cache-Control", "")
        if "public" not in cache_control:
            continue
        public.add(endpoint)
        assert "private" not in cache_control and "no-store" not in cache_control, endpoint
        assert "Set-Cookie" not in response.headers, endpoint
        if endpoint not in KEPT_FOR_ANYONE:
            assert role == "visitor", f"{endpoint} is public for a signed-in {role}"
            assert {"Cookie", "Accept-Language"} <= set(response.vary), endpoint
    if role == "visitor":
        assert {"core.home", "events.event_list", "events.event_page", "forums.forum_page", "awards.category_page",
                "api.events", "api.event"} <= public

"""What the event rules refuse with: `DomainError`s, most of them naming the
form field they concern, so that pages show the message beside it."""
from core.errors import DomainError


class EventRuleBroken(DomainError):
    pass


class EndsBeforeStart(EventRuleBroken):
    field = "end_date"


class StartsInThePast(EventRuleBroken):
    field = "start_date"


class CapacityBelowBooked(EventRuleBroken):
    field = "capacity"


class NoPlaceGiven(EventRuleBroken):
    field = "venue_id"


class RegistrationClosed(EventRuleBroken):
    pass


class AlreadyRegistered(EventRuleBroken):
    field = "email"


class TooManyTickets(EventRuleBroken):
    field = "tickets"


class NotOpenToYou(EventRuleBroken):
    pass


class OfferExpired(EventRuleBroken):
    pass


class NotEnoughPlaces(EventRuleBroken):
    pass


class SessionClash(EventRuleBroken):
    pass

"""What the domains above tell partners about, without partners importing them."""
from core.registry import Slot

# Links to a partner a domain keeps: functions partner -> a phrase naming them ("2 events it co-hosts"),
# or None when there are none. A partner with any link is not deleted (services.delete_partner).
links = Slot("links to a partner")
# Seats that let a person choose and add partners besides the site roles (a forum's coordinators):
# functions user -> bool.
pickers = Slot("who may choose partners")

"""Partner organisations: the faith groups, schools, voluntary groups and
public bodies the partnership works with, and the people to contact at each.

Events (co-hosts), forum memberships and award nominations link to them
instead of typing an organisation's name; those links live in each domain's
own tables, and each domain tells this package about them through
`registry.links` (so a linked partner is not deleted from under them) and
`registry.pickers` (who besides organisers may choose and add partners).
"""

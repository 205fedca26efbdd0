"""People recorded more than once: finding likely duplicates and merging
them, for an admin.

The same person ends up as several records: a guest booking under an address
typed in capitals, an imported spreadsheet row, a guest who later signed up.
A person is named by a person key, as registrations and equality answers name
them: "user:<id>" for an account, "guest:<email as recorded>" for a guest.

The kernel owns finding (queries.py) and the merge itself (services.py): the
lock, the rules (a guest's records reach an account only through an address
the account has proven), the account's own records, the equality answers
(re-pointed, never read) and the audit entry. Each domain registers, in its
own `people.py`, how to find its guest records and how to preview and move its
records from one person to another (registry.py); nothing here imports a domain.
"""

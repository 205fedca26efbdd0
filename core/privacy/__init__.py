"""Privacy: a person's data (UK GDPR Article 15), deleting an account
(Article 17) and how long each kind of personal data is kept.

The kernel owns the three procedures and what core itself holds (accounts,
equality answers, emails, the audit log); each domain registers what it holds
in its own `privacy.py`, beside its models (registry.py says how). Nothing
here imports a domain.
"""

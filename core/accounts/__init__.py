"""Accounts: people, signing up and in, the second factor, OpenID Connect,
site roles and who may see a person's contact details (the safeguarding
gate). It stands on the kernel (core's own modules) and imports nothing above it."""

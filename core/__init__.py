"""Core of Shared Future: configuration, extensions, accounts and sign-in,
permissions, email delivery and the audit log."""

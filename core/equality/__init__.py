"""Equality monitoring: the questions, the consent before them, and the
answers, stored apart from the people who gave them. It stands on the kernel
and core.accounts."""

"""Forums: standing bodies that meet (interfaith forums, the youth forum),
their coordinators, membership and the safeguarding of young members."""

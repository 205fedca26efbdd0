"""Events: scheduling, venues, registration with capacity and waiting lists,
check-in and attendance."""

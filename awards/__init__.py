"""Annual community cohesion awards: cycles, categories, nominations, screening."""

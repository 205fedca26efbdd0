"""The read-only public JSON API (/api/v1): events, cohesion priorities and
venues for partners' own sites, described by an OpenAPI 3.1 document."""

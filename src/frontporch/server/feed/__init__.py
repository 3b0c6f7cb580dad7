"""The Neighbors feed, one package per area, each with its repository (all its SQL),
service, views (the read models its schemas and pages render), schemas, endpoints and
pages:

- `posts/`: writing posts (from a home, at an agency's point, a hub's upload), the one
  read path of a home's feed (`reading.py`, over the page cache and the feed query),
  one post's page and media, the map, and the sweep of media no post names;
- `comments/`, `moderation/` (reports, the queue, hide / restore / dismiss),
  `notifications/` (the inbox and the header's badge);
- shared by them: the tables (`models.py`), the pure rules (`rules.py`), the errors,
  the parameters, the page forms, the live streams (`live.py`) and what deleting an
  account does to the feed (`cleanup.py`).

Agencies — the registry whose names sign agency posts, and the agency portal — are
their own area (`server/agencies/`).
"""

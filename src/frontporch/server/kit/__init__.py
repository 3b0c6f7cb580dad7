"""What every area of the server uses and none of them owns.

Nothing here imports a feature area (accounts, homes, hubs, feed, agencies,
transparency); the areas import the kit.

- `pages`: rendering a page (`render`, `failed`), the form fields, the pre-sign-in form
  token, and the header's values each area adds (`PageHeader`);
- `schemas`: the bases of request and response bodies (`Strict`, `RowOut`), the error
  envelope's schema and the error answers every router declares;
- `repository`: the base every repository derives from;
- `models`: the shared throttle table and the columns of single-use secrets;
- `throttles` (lockouts) and `quotas`, over that table;
- `tokens`: random secret tokens and the hashes they are stored as;
- `services`: `per_request`, the dependency that builds an area's service for a request;
- `announcements`: what one area announces and others act on.
"""

"""The hub's processes: a worker process per camera, and the hub process that runs them.

Decides how workers are started, restarted and heard from, and how their reports reach
the index's single writer."""

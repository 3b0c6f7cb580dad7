"""Every area's models in one import, for Alembic and for schema checks."""

from __future__ import annotations


def import_all_models() -> None:
    """Import each area's models so that `Base.metadata` knows every table."""
    from frontporch.server.accounts import models as accounts  # noqa: F401
    from frontporch.server.agencies import models as agencies  # noqa: F401
    from frontporch.server.agreements import models as agreements  # noqa: F401
    from frontporch.server.backups import models as backups  # noqa: F401
    from frontporch.server.evidence import models as evidence  # noqa: F401
    from frontporch.server.feed import models as feed  # noqa: F401
    from frontporch.server.homes import models as homes  # noqa: F401
    from frontporch.server.hubs import models as hubs  # noqa: F401
    from frontporch.server.kit import models as kit  # noqa: F401
    from frontporch.server.legal import models as legal  # noqa: F401
    from frontporch.server.report import models as report  # noqa: F401
    from frontporch.server.requests import models as requests  # noqa: F401
    from frontporch.server.transparency import models as transparency  # noqa: F401

"""Imports every table module, so that Base.metadata describes the whole schema (migrations,
tests). A new feature package with tables adds its models module here."""
import documents.calendar.models  # noqa: F401
import documents.deadlines.models  # noqa: F401
import documents.exchange.models  # noqa: F401
import documents.files.models  # noqa: F401
import documents.incoming.casework_models  # noqa: F401
import documents.incoming.models  # noqa: F401
import documents.models  # noqa: F401
import documents.notifications.models  # noqa: F401
import documents.outgoing.models  # noqa: F401
import documents.registers.models  # noqa: F401
import engine.models  # noqa: F401

"""Who may do what with workflows and their failures: one table of permissions to roles, read by
the services, instead of role names spread over the code (Camunda's resources × permissions).

The rules for process instances, settled here:
- see an instance (where it stands, its steps and who took them): its participants, the agency's
  leaders, and its process admins (they run the diagrams and answer incidents);
- read an instance's data (directions, opinions, form values): its participants and the agency's
  leaders only — a process admin sees the steps, never what people wrote in them;
- cancel an instance: the agency's leaders, through the process routes, and its process admins
  as the answer to an incident; never a workflow the domain started for a document (closing
  the document is the domain's own act, with its own record).
"""
from __future__ import annotations

from enum import StrEnum

from .accounts import Identity
from .models import Role


class Permission(StrEnum):
    DEPLOY_DIAGRAM = "process.deploy"
    VIEW_ANY_INSTANCE = "process.view_any"
    READ_ANY_INSTANCE_DATA = "process.read_any_data"
    CANCEL_INSTANCE = "process.cancel"
    MANAGE_INCIDENTS = "incident.manage"
    MIGRATE_INSTANCES = "process.migrate"
    MANAGE_ACCOUNTS = "agency.manage_accounts"  # users, units and the agency's settings
    VIEW_DASHBOARD = "dashboard.view"  # the overdue dashboard: leaders the agency, unit heads their unit


GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.DEPLOY_DIAGRAM: frozenset({Role.PROCESS_ADMIN}),
    Permission.VIEW_ANY_INSTANCE: frozenset({Role.LEADER, Role.PROCESS_ADMIN}),
    Permission.READ_ANY_INSTANCE_DATA: frozenset({Role.LEADER}),
    Permission.CANCEL_INSTANCE: frozenset({Role.LEADER}),
    Permission.MANAGE_INCIDENTS: frozenset({Role.PROCESS_ADMIN}),
    Permission.MIGRATE_INSTANCES: frozenset({Role.PROCESS_ADMIN}),
    Permission.MANAGE_ACCOUNTS: frozenset({Role.ADMIN}),
    Permission.VIEW_DASHBOARD: frozenset({Role.LEADER, Role.UNIT_HEAD}),
}


def allows(who: Identity, permission: Permission) -> bool:
    """Whether one of ``who``'s roles in its agency holds ``permission`` (no role implies another)."""
    return any(role in who.roles for role in GRANTS[permission])

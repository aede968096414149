"""The contract of the `outgoing` process: what the domain relies on in any agency's diagram for
it, checked when the diagram is deployed (documents/contracts.py). The domain finds each step by
the role marked on it (``<spiffworkflow:property name="domainRole" value="outgoing.sign"/>``),
never by element id, and acts on a step's completion by its role and the form's ``decision``
(documents/outgoing/steps.py): an agency may add, drop, reorder or repeat steps within this.

Only drafting, signing and issuing are required: the review chain (consultation, the unit
head's review, the clerk's check of format, the leader's approval) is the agency's own."""
from __future__ import annotations

from typing import Any, Mapping

from ..contracts import BOUNDARY_TIMER, Contract, RoleRule
from .models import State

PROCESS = "outgoing"
DRAFT, CONSULT, REVIEW = "outgoing.draft", "outgoing.consult", "outgoing.review"
CHECK, APPROVE, SIGN, ISSUE = "outgoing.check", "outgoing.approve", "outgoing.sign", "outgoing.issue"
ISSUE_DEADLINE = "outgoing.issue_deadline"
# The consultation runs over one list of those asked, units and people alike: {"unit": id} or
# {"user": id}; their opinions fill ``opinions`` in the same order.
CONSULTATION, OPINIONS = "consultation", "opinions"

# The form field every deciding step's form has, and the decisions the domain acts on.
DECISION = "decision"
SUBMIT, ASK_OPINIONS = "submit", "consult"             # the drafter
APPROVED, RETURNED, REJECTED = "approve", "return", "reject"
SIGNED, ISSUED = "sign", "issue"
COMMENT = "comment"                                    # the field with a return's or a rejection's reason
OPINION, NOTE, SIGNER = "opinion", "note", "signer_id"  # the consulted's answer, the drafter's note, the named signer
# The drafting form names those asked, units and people apart; the process runs over one list.
CONSULT_UNITS, CONSULT_PEOPLE = "consult_units", "consult_people"

FORMS = {DRAFT: "outgoing_draft", CONSULT: "outgoing_consult", REVIEW: "outgoing_review",
         CHECK: "outgoing_check", APPROVE: "outgoing_approve", SIGN: "outgoing_sign", ISSUE: "outgoing_issue"}
# The state a document is in while a step of each role is open.
STATE_OF_ROLE = {DRAFT: State.DRAFTING, CONSULT: State.CONSULTING, REVIEW: State.REVIEWING,
                 CHECK: State.CHECKING, APPROVE: State.APPROVING, SIGN: State.SIGNING, ISSUE: State.ISSUING}

CONTRACT = Contract(PROCESS, roles=(
    RoleRule(DRAFT, "the drafting, where every return comes back", form=FORMS[DRAFT]),
    RoleRule(CONSULT, "the opinions asked of units and people", required=False, form=FORMS[CONSULT],
             loop=(CONSULTATION, OPINIONS)),
    RoleRule(REVIEW, "the unit head's review", required=False, form=FORMS[REVIEW]),
    RoleRule(CHECK, "the clerk's check of format and presentation", required=False, form=FORMS[CHECK]),
    RoleRule(APPROVE, "the leader's approval", required=False, form=FORMS[APPROVE]),
    RoleRule(SIGN, "the competent person's signature", form=FORMS[SIGN]),
    RoleRule(ISSUE, "the clerk's numbering, agency signature and issue", form=FORMS[ISSUE]),
    RoleRule(ISSUE_DEADLINE, "the issue's deadline timer", kinds=BOUNDARY_TIMER, required=False, timer_on=ISSUE),
))


def check(diagram) -> list[str]:
    """The engine's deploy hook for the `outgoing` key (documents/wiring.py)."""
    return CONTRACT.missing(diagram)


def completed_form(form_key: str, data: dict[str, Any]) -> dict[str, Any]:
    """What a completed form gives the process besides its fields: the drafting adds
    ``consultation`` (documents/wiring.py calls it after validating the form)."""
    if form_key != FORMS[DRAFT]:
        return data
    return {**data, CONSULTATION: consultation(data) if data.get(DECISION) == ASK_OPINIONS else []}


def consultation(data: Mapping[str, Any]) -> list[dict[str, int]]:
    """Those the drafter asks, each once: the units, then the people."""
    return ([{"unit": u} for u in _ids(data.get(CONSULT_UNITS))]
            + [{"user": p} for p in _ids(data.get(CONSULT_PEOPLE))])


def _ids(values: Any) -> list[int]:
    if not isinstance(values, list):
        return []
    return list(dict.fromkeys(v for v in values if isinstance(v, int) and not isinstance(v, bool)))


def step(role: str | None) -> str | None:
    """A role's short name ("review"): what the audit and the pages use."""
    return role.removeprefix(PROCESS + ".") if role else None

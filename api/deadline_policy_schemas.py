"""Bodies of the deadline policy API (/api/agency/deadline-policy): amounts of working time on
the agency's business calendar, by urgency and document type ("" = every type)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from documents.deadlines import policy
from documents.outgoing.doc_types import TYPES

Urgency = Literal["flash", "very_urgent", "urgent", "normal"]
Unit = Literal["hours", "days"]


class RuleIn(BaseModel):
    doc_type: str = Field(default="", max_length=100, description='a type of NĐ 30/2020 Phụ lục III; "" = every type',
                          examples=["", "Quyết định"])
    urgency: Urgency
    amount: float = Field(gt=0, le=max(policy.MAX_AMOUNT.values()),
                          description="whole working days (1–60) or working hours (0.5–200, by half hours)")
    unit: Unit

    def as_rule(self) -> policy.Rule:
        return policy.Rule(self.doc_type, self.urgency, self.amount, self.unit)


class PolicyIn(BaseModel):
    """The whole table: what is not in it follows the every-type row, then the national default."""
    rows: list[RuleIn] = Field(max_length=policy.MAX_ROWS, examples=[[
        {"doc_type": "", "urgency": "flash", "amount": 2, "unit": "hours"},
        {"doc_type": "Quyết định", "urgency": "normal", "amount": 7, "unit": "days"}]])


class RuleOut(BaseModel):
    doc_type: str
    urgency: str
    amount: float
    unit: str
    national: bool = Field(description="the national default: the agency set no row for it")

    @classmethod
    def of(cls, rule: policy.Rule) -> RuleOut:
        return cls(doc_type=rule.doc_type, urgency=rule.urgency, amount=rule.amount, unit=rule.unit,
                   national=rule.national)


class IssuingOut(BaseModel):
    """The outgoing issuing deadline, fixed by law (documents/outgoing/deadlines.py), read-only."""
    urgent: str = "at once"
    other: str = "the day of signing, at the latest the end of the next working morning"
    basis: str = policy.ISSUING_BASIS


class PolicyOut(BaseModel):
    national: bool = Field(description="the agency follows the national defaults (it has no rows)")
    rows: list[RuleOut]
    urgencies: list[str] = list(policy.URGENCIES)
    units: list[str] = list(policy.UNITS)
    doc_types: list[str] = Field(default=list(TYPES), description="the types a row may name")
    issuing: IssuingOut = IssuingOut()

    @classmethod
    def of(cls, table: policy.Table) -> PolicyOut:
        return cls(national=table.national, rows=[RuleOut.of(rule) for rule in table.rows()])

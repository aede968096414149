"""Bodies of the dashboard API (/api/dashboard): times ISO 8601 in Vietnam time (+07:00),
handling times in elapsed hours."""
from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from documents.dashboard import queries
from documents.vntime import iso


class FiguresOut(BaseModel):
    open: int
    due_soon: int
    overdue: int
    completed_on_time: int
    completed_late: int
    average_handling_hours: float | None

    @classmethod
    def of(cls, figures: queries.Figures) -> FiguresOut:
        return cls(open=figures.open, due_soon=figures.due_soon, overdue=figures.overdue,
                   completed_on_time=figures.completed_on_time, completed_late=figures.completed_late,
                   average_handling_hours=figures.average_handling_hours)


class NamedOut(BaseModel):
    id: int
    name: str


class GroupOut(FiguresOut):
    """A unit's, a person's or an agency's figures."""
    id: int
    name: str

    @classmethod
    def of_group(cls, group: queries.Group) -> GroupOut:
        return cls(id=group.id, name=group.name, **FiguresOut.of(group.figures).model_dump())


class PointOut(BaseModel):
    start: str
    end: str
    label: str
    received: int
    completed_on_time: int
    completed_late: int
    average_handling_hours: float | None

    @classmethod
    def of(cls, point: queries.Point) -> PointOut:
        return cls(start=iso(point.start), end=iso(point.end), label=point.label, received=point.received,
                   completed_on_time=point.completed_on_time, completed_late=point.completed_late,
                   average_handling_hours=point.average_handling_hours)


class ScopeOut(BaseModel):
    agency: NamedOut
    unit: NamedOut | None
    person: NamedOut | None


class DashboardOut(BaseModel):
    scope: ScopeOut
    at: str
    period: str
    since: str  # the completed figures count from here (the series' first period)
    totals: FiguresOut
    by_unit: list[GroupOut]
    by_person: list[GroupOut]
    series: list[PointOut]


def _hours(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 3600, 2)


class ItemOut(BaseModel):
    id: int
    incoming_number: int | None
    number_notation: str
    subject: str
    issuer_name: str
    handling_deadline: str | None
    received_at: str
    completed_at: str | None
    lead_unit: str | None
    lead_person: str | None
    overdue_hours: float | None  # how long past its deadline (now, or when completed late)
    link: str

    @classmethod
    def of(cls, item: queries.Item) -> ItemOut:
        return cls(id=item.id, incoming_number=item.incoming_number, number_notation=item.number_notation,
                   subject=item.subject, issuer_name=item.issuer_name, handling_deadline=iso(item.handling_deadline),
                   received_at=iso(item.received_at), completed_at=iso(item.completed_at), lead_unit=item.lead_unit,
                   lead_person=item.lead_person, overdue_hours=_hours(item.overdue_by), link=item.link)


class ItemsOut(BaseModel):
    status: str
    at: str
    items: list[ItemOut]
    total: int
    page: int
    pages: int

    @classmethod
    def of(cls, status: str, at: str, page: queries.ItemPage) -> ItemsOut:
        return cls(status=status, at=at, items=[ItemOut.of(item) for item in page.items], total=page.total,
                   page=page.page, pages=page.pages)


class ProvinceOut(BaseModel):
    at: str
    since: str
    agencies: list[GroupOut]
    totals: FiguresOut

    @classmethod
    def of(cls, at: str, since: str, province: queries.Province) -> ProvinceOut:
        return cls(at=at, since=since, agencies=[GroupOut.of_group(row) for row in province.agencies],
                   totals=FiguresOut.of(province.totals))

"""The leader's dashboard: open, due soon, overdue and completed work per agency, unit and person,
and the province's figures across agencies (seed 002 Đ15), from the same queries."""

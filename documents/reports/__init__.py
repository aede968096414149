"""Printable registers: a report is a declarative table (columns with a Vietnamese header and a
value function) filled with rows, and each writer (XLSX, PDF) renders any report the same way.
The writers know nothing of documents, so the outgoing register can reuse them."""
from .table import Cell, Closing, Column, Report, build

__all__ = ["Cell", "Closing", "Column", "Report", "build"]

"""Dramatiq workers: thin actors that take ids, open a unit of work and call one service.
The database is the record; Redis only carries work, and any lost message is recovered by
the periodic sweep."""

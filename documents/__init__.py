"""The documents domain: agencies, units, users and roles, audit, and (as the issues land)
registers, incoming and outgoing documents, signing and exchange. Imports no web framework."""

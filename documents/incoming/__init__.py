"""Incoming documents (văn bản đến): arrival, registration, statuses to the sender, search."""

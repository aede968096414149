"""Attachments: the file store, content-type detection and the allowed formats."""

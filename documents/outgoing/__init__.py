"""Outgoing documents. For now only the seed: a reply draft started from an incoming document;
drafting, review, signing and issuing extend it."""

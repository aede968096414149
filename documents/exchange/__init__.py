"""Exchange between agencies of one deployment: documents sent electronically, and the
statuses (edXML Status 01–06) that recipients report back to the sender."""

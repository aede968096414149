"""Deadlines that bite: an agency's default handling deadlines in working time, and what the
diagrams' timers do when a deadline nears or passes (remind, escalate, raise the urgency)."""

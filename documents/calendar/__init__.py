"""Business calendar per agency: working hours, public holidays, days off and make-up days."""

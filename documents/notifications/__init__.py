"""One notification service: the in-app centre, email through SMTP, the daily digest and the
leader's urge (đôn đốc)."""

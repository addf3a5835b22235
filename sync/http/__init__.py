"""The one HTTP client base every vendor client builds on: session, deadline, size cap,
typed errors, secret scrubbing, the shared rate limit; and the typed-record builder both
vendors' records use (records.py)."""

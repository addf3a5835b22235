"""The one HTTP client base every vendor client builds on: session, deadline, size cap,
typed errors, secret scrubbing, the shared rate limit."""

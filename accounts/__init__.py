"""Staff accounts: login throttling (django-axes), password reset by email, client addresses."""

"""Who may use the advisor page, and who read which client: accounts, sign-in sessions, the audit.

`accounts` (Argon2id passwords, roles), `sessions` (sign-in sessions shared through the database,
the wrong-password throttle), `sign_in` (the middleware that guards the page), `audit` (every read
of a client's data); ``python -m access`` manages accounts and API keys and lists the audit.
"""

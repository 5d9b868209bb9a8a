"""The decision store: every decision recorded before it is answered, read back, replayed, purged.

`database` (engine, migrations), `records` (the record), `writer` (group commit), `store` (read-back
and purge), `replay` (scoring a record again with its model version), `lookup` and `views` (what
``GET /decisions`` answers); ``python -m decisions`` migrates, replays and purges by hand.
"""

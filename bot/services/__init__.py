"""Use cases: what a person or a scheduled job sets in motion, each inside one transaction,
with the messages it causes queued in the outbox in that same transaction. Handlers in
`conversations/` and jobs in `scheduler/` call these; they never write through storage
themselves. `context.Services` is what every handler and job is given."""

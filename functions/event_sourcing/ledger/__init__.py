"""The bank ledger's domain, shared by the consumer, the projection, the read API and replay.

- ``domain``: commands, events and the two pure functions of event sourcing — ``decide`` (a
  command against the account's state gives the next event) and ``evolve`` (an event applied to
  a state gives the next state);
- ``commands``: commands out of either transport's records (Kinesis, SQS FIFO);
- ``store``: the event store (DynamoDB, one item per event, optimistic concurrency, idempotent on
  transactionId);
- ``projection``: the read model kept from the event store's stream.

Imports inside the package are relative, so the same files run in the Lambda zip (``ledger``)
and in the toolkit's replay (``functions.event_sourcing.ledger``).
"""

"""What the two event-sourcing patterns share: their workload, replay and the ledger's checks
(the patterns themselves are patterns/event_sourcing_kinesis and patterns/event_sourcing_fifo)."""

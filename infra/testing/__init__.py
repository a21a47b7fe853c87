"""The toolkit for testing your own SAM app: a pytest plugin (``cloud``, ``events``, ``eventually``
fixtures; installed as the ``pytest11`` entry point ``infra.testing.plugin``) and event factories
producing AWS's real event shapes (``infra.testing.events``)."""

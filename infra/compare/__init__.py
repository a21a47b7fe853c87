"""``samplecli.py compare``: patterns side by side, measured (see command.py for what it writes)."""

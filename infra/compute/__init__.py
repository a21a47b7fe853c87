"""The compute plane: runs real Lambda handlers in-process with AWS's event semantics."""

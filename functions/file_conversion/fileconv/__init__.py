"""Shared logic of the file-conversion fan-out pattern.

The Lambda handlers (``thumbnail.py``, ``png_to_jpeg.py``, ``zip_original.py``)
only declare *what* they convert; everything else lives here, one job per module:

- ``config``     environment settings, read at call time
- ``messages``   SQS body (SNS envelope or raw) -> S3 object references
- ``keys``       key validation and output / failure-record key derivation
- ``limits``     size and pixel-count limits
- ``images``     safe image opening (format, pixel, truncation checks) and encoding
- ``archive``    single-file ZIP building
- ``storage``    S3 reads and writes
- ``failures``   failure records + log line for rejected inputs
- ``runner``     the batch loop tying it together
- ``samples``    deterministic in-memory test files (good and hostile)
"""

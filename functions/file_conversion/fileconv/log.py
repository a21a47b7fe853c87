"""The one Powertools Logger shared by the package."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or "file-conversion")

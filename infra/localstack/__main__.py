"""``python -m infra.localstack ...``"""

from __future__ import annotations

import sys

from infra.localstack.cli import main

sys.exit(main())

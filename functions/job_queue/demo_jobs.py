"""The job-queue pattern's job types and its queue (shared by the API, the worker and the
scheduled function):

- ``echo``: returns its payload;
- ``flaky``: fails its first ``failTimes`` attempts, then returns; ``crashOnAttempt: n`` makes the
  consumer process die during attempt n (``SystemExit``, as a crashed runtime), which only
  ``recover`` notices;
- ``slow``: takes ``seconds`` (at most 60) of real time;
- ``thumbnail``: the file-conversion pattern's thumbnail of ``s3://BUCKET/{key}`` written to
  ``thumbnails/{key}`` (its code imported, not copied).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from aws_runtime import client
from jobs import JobQueue, Performer


def traced(performer: Performer) -> None:
    """One log line per perform call: the workload counts them to prove no attempt ran twice."""
    print(f"PERFORM {performer.job['jobId']} {performer.attempt}", flush=True)


class Echo(Performer):
    job_type = "echo"

    def perform(self, payload: Any) -> Any:
        traced(self)
        return payload


class Flaky(Performer):
    job_type = "flaky"

    def perform(self, payload: Any) -> Any:
        traced(self)
        settings = payload if isinstance(payload, dict) else {}
        if settings.get("crashOnAttempt") == self.attempt:
            raise SystemExit(f"simulated consumer crash during attempt {self.attempt}")
        if self.attempt <= int(settings.get("failTimes", 0)):
            raise RuntimeError(f"flaky: attempt {self.attempt} of the first {settings.get('failTimes')} fails")
        return {"succeededOnAttempt": self.attempt}


class Slow(Performer):
    job_type = "slow"

    def perform(self, payload: Any) -> Any:
        traced(self)
        seconds = float((payload or {}).get("seconds", 1)) if isinstance(payload, dict) else 1.0
        if not 0 <= seconds <= 60:
            raise ValueError(f"slow takes 0 to 60 seconds, not {seconds}")
        threading.Event().wait(seconds)  # really busy for that long, as a slow job is
        return {"slept": seconds}


class Thumbnail(Performer):
    job_type = "thumbnail"

    def perform(self, payload: Any) -> Any:
        traced(self)
        from fileconv import storage  # here, so only the thumbnail job loads Pillow (not the API's cold start)
        from fileconv.config import Settings
        from fileconv.conversion import ObjectRef
        from fileconv.images import make_thumbnail

        key = payload.get("key") if isinstance(payload, dict) else None
        if not isinstance(key, str) or not key:
            raise ValueError('thumbnail needs {"key": "<object key in the bucket>"}')
        bucket = os.environ["BUCKET"]
        settings = Settings(output_bucket=bucket)
        s3 = client("s3")
        converted = make_thumbnail(storage.fetch(s3, ObjectRef(bucket, key), settings.max_input_bytes), settings)
        output_key = f"thumbnails/{converted.relative_key}"
        s3.put_object(Bucket=bucket, Key=output_key, Body=converted.body, ContentType=converted.content_type)
        return {"thumbnail": output_key, "bytes": len(converted.body)}


queue = JobQueue(performers=[Echo, Flaky, Slow, Thumbnail])  # settings from the function's environment

"""S3 -> SNS fan-out file conversion: every upload gets a thumbnail, a JPEG and a ZIP.

The demo uploads real images and every kind of bad input, lets the pipeline run, and reports
what came out: outputs, failure records (under failed/ in the output bucket) and DLQ depth.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from functions.file_conversion.fileconv import samples
from infra.metering import unmetered
from infra.workload import Invariant, Observed, Operation, queue_bodies, under_faults

OPERATION = Operation("upload")
CONVERSIONS = ("thumbnail", "png-to-jpeg", "zip")
DLQS = {"Thumbnail": "thumbnail", "PngToJpeg": "png-to-jpeg", "Zip": "zip"}  # output prefix -> conversion


@dataclass(frozen=True)
class DemoFile:
    key: str
    make: Callable[[], bytes]
    note: str


def demo_files(max_input_bytes: int = 10 * 1024 * 1024) -> list[DemoFile]:
    return [
        DemoFile("photos/sunset.png", lambda: samples.make_png(1600, 900), "a 1600x900 PNG"),
        DemoFile("photos/café au lait.jpg", lambda: samples.make_jpeg(1200, 1600), "a JPEG with a space and unicode"),
        DemoFile("icons/logo with alpha.png", lambda: samples.make_png(640, 640, alpha=True), "an RGBA PNG"),
        DemoFile("docs/readme.txt", samples.not_an_image, "not an image"),
        DemoFile("broken/truncated.png", samples.truncated_png, "a truncated PNG"),
        DemoFile("broken/bomb.png", samples.decompression_bomb_png, "a 20000x20000 decompression bomb"),
        DemoFile("big/too-large.bin", lambda: os.urandom(max_input_bytes + 1), "over the size limit"),
        DemoFile("../escape.png", lambda: samples.make_png(64, 64), "a key with ../"),
    ]


def run(cloud: Any, stack: Any, progress: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """Upload the demo files, wait for the pipeline, and return what happened."""
    s3 = cloud.client("s3")
    upload_bucket = stack.outputs["UploadBucketName"]
    output_bucket = stack.outputs["OutputBucketName"]
    files = demo_files()
    started = time.perf_counter()
    for file in files:
        s3.put_object(Bucket=upload_bucket, Key=file.key, Body=file.make())
        progress(f"uploaded {file.key} ({file.note})")
    progress("converting...")
    cloud.drain()
    elapsed = time.perf_counter() - started
    with unmetered():  # looking at what came out is not the pipeline's work
        outputs, failures = list_results(s3, output_bucket)
        sqs = cloud.client("sqs")
        dlq_depth = {
            name: int(sqs.get_queue_attributes(QueueUrl=stack.outputs[f"{name}DLQUrl"],
                                               AttributeNames=["ApproximateNumberOfMessages"])
                      ["Attributes"]["ApproximateNumberOfMessages"])
            for name in DLQS
        }
        dead_letters = sorted((key, DLQS[name]) for name in DLQS
                              for key in _uploaded_keys(queue_bodies(sqs, stack.outputs[f"{name}DLQUrl"])))
    result = {"uploads": [f.key for f in files], "outputs": outputs, "failures": failures,
              "dlq": dlq_depth, "dead_letters": dead_letters, "under_faults": under_faults(cloud),
              "seconds": elapsed, "operations": len(files)}
    lost, doubled = _ended(result)
    result["observed"] = Observed(ordering="none promised (S3 -> SNS -> standard SQS)", duplicates=len(doubled),
                                  losses=len(lost), isolated_failures=len(failures))
    return result


def outcome(result: dict[str, Any]) -> dict[str, Any]:
    """What must come out the same on every target (no timings, no request ids or physical names)."""
    return {"outputs": result["outputs"],
            "failures": sorted((f["key"], f["conversion"], f["reason"]) for f in result["failures"]),
            "dlq": result["dlq"]}


def list_results(s3: Any, bucket: str) -> tuple[list[str], list[dict[str, Any]]]:
    outputs: list[str] = []
    failures: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            if item["Key"].startswith("failed/"):
                failures.append(json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
            else:
                outputs.append(item["Key"])
    return sorted(outputs), sorted(failures, key=lambda f: (f["key"], f["conversion"]))


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = [f"{len(result['uploads'])} uploads -> {len(result['outputs'])} outputs, "
             f"{len(result['failures'])} failure records, DLQ depths {result['dlq']} "
             f"in {result['seconds']:.2f} s"]
    lines += [f"  output   {key}" for key in result["outputs"]]
    lines += [f"  rejected {f['conversion']:<12} {f['key']}: {f['reason']}" for f in result["failures"]]
    return lines


def _uploaded_keys(bodies: list[str]) -> list[str]:
    """The uploads a conversion queue's messages are about (SNS envelope around the S3 event)."""
    from urllib.parse import unquote_plus

    keys = []
    for body in bodies:
        event = json.loads(json.loads(body)["Message"])
        keys += [unquote_plus(record["s3"]["object"]["key"]) for record in event.get("Records", [])]
    return keys


def invariants(result: dict[str, Any]) -> list[Invariant]:
    """Conservation: every upload ends, for each conversion, in an output or a failure record
    (never both, never neither); nothing left in a DLQ. Under faults, a conversion that kept
    failing for a transient reason (MaxReceiveCount deliveries) ends in its DLQ instead, and
    counts as ended there: the DLQ is where it waits for a redrive."""
    lost, doubled = _ended(result)
    checks = [Invariant("every upload ends in an output or a failure record"
                        + (" or its conversion's DLQ" if result.get("under_faults") else "") + ", per conversion",
                        not lost, f"{len(result['uploads'])} uploads x {len(CONVERSIONS)} conversions"
                        + (f"; none for {lost}" if lost else "")),
              Invariant("no upload has both an output and a failure record", not doubled, ", ".join(doubled))]
    if not result.get("under_faults"):
        checks.append(Invariant("nothing left in a dead-letter queue", not any(result["dlq"].values()),
                                str(result["dlq"])))
    return checks


def _ended(result: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(conversions of an upload that ended in nothing, those that ended in both an output and a failure)."""
    outputs = set(result["outputs"])
    failed = {(f["key"], f["conversion"]) for f in result["failures"]}
    dead_letters = {tuple(item) for item in result.get("dead_letters", [])}
    stems = {key.rsplit(".", 1)[0] for key in outputs}
    lost, doubled = [], []
    for key in result["uploads"]:
        produced = {"thumbnail": any(o.startswith(f"thumbnails/{key.rsplit('.', 1)[0]}.") for o in outputs),
                    "png-to-jpeg": f"jpeg/{key.rsplit('.', 1)[0]}" in stems,
                    "zip": f"zip/{key}.zip" in outputs}
        for conversion in CONVERSIONS:
            ended = produced[conversion] + ((key, conversion) in failed)
            dead = (key, conversion) in dead_letters
            (lost if ended + dead == 0 else doubled if ended > 1 else []).append(f"{conversion} {key}")
    return lost, doubled

"""Behaviour of the file-conversion fan-out Lambda handlers, on in-process moto.

Each test builds the real event shapes a handler receives in AWS (an SQS batch
whose bodies are SNS envelopes around an S3 event, or the raw S3 event with raw
message delivery), calls the handler, and inspects the output bucket.

Transient failures are provoked without patching: an S3 client is injected into
``fileconv.runner.run_batch`` with a botocore event hook (the SDK's public
extension point) that answers one key's GetObject with ``503 SlowDown`` - the
throttling error S3 really returns under load, which is exactly the kind of
error SQS redelivery should absorb.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import uuid
import zipfile
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from PIL import Image

from infra.testing import events

import png_to_jpeg  # functions/file_conversion: on pytest's pythonpath (pyproject.toml), as on Lambda's
import thumbnail
import zip_original
from fileconv import images, keys, samples
from fileconv.errors import ConfigurationError, TruncatedImage
from fileconv.runner import run_batch

REGION = "us-east-1"
INPUT_BUCKET = "uploads"
OUTPUT_BUCKET = "converted"
UNICODE_KEY = "photos/my cat é.png"

HANDLERS: dict[str, ModuleType] = {"thumbnail": thumbnail, "png-to-jpeg": png_to_jpeg, "zip": zip_original}
IMAGE_CONVERSIONS = ("thumbnail", "png-to-jpeg")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment() -> Iterator[None]:
    """Handler environment; os.environ is saved and restored as a whole."""
    saved = dict(os.environ)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN",
                 "MAX_INPUT_BYTES", "MAX_IMAGE_PIXELS", "THUMBNAIL_SIZE"):
        os.environ.pop(name, None)
    os.environ.update({
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "OUTPUT_BUCKET": OUTPUT_BUCKET,
    })
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# Keeping boto3's default session across tests spares rebuilding it (~0.1 s) per test;
# every test still gets fresh, empty moto backends.
FAST_MOTO = {"core": {"reset_boto3_session": False}}


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws(config=FAST_MOTO):
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=INPUT_BUCKET)
        client.create_bucket(Bucket=OUTPUT_BUCKET)
        yield client


class LambdaContext:
    function_name = "file-conversion-test"
    memory_limit_in_mb = 1024
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:file-conversion-test"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


# --------------------------------------------------------------------------- events (infra.testing.events)


def sns_envelope(message: dict[str, Any]) -> dict[str, Any]:
    return events.sns_envelope(message, topic="file-conversion-uploads", subject="Amazon S3 Notification")


def sqs_record(body: dict[str, Any] | str) -> events.SqsRecord:
    return events.sqs_message(body, queue="file-conversion-queue")


def upload(s3: Any, key: str, data: bytes, *, raw: bool = False) -> dict[str, Any]:
    """Put the object and return the SQS record its upload notification becomes."""
    s3.put_object(Bucket=INPUT_BUCKET, Key=key, Body=data)
    event = events.s3_event(events.s3_record(INPUT_BUCKET, key, len(data)))
    return sqs_record(event if raw else sns_envelope(event))


def invoke(conversion: str, *records: dict[str, Any]) -> dict[str, Any]:
    return HANDLERS[conversion].handler(events.sqs_event(*records), LambdaContext())


def invoke_with_client(conversion: str, client: Any, *records: dict[str, Any]) -> dict[str, Any]:
    return run_batch(events.sqs_event(*records), LambdaContext(), HANDLERS[conversion].CONVERSION, s3_client=client)


# --------------------------------------------------------------------------- output helpers


def read_output(s3: Any, key: str) -> bytes:
    return s3.get_object(Bucket=OUTPUT_BUCKET, Key=key)["Body"].read()


def output_keys(s3: Any) -> set[str]:
    return {obj["Key"] for obj in s3.list_objects_v2(Bucket=OUTPUT_BUCKET).get("Contents", [])}


def failure(s3: Any, conversion: str, key: str) -> dict[str, Any]:
    return json.loads(read_output(s3, f"failed/{conversion}/{key}.json"))


def decode(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


NO_FAILURES: dict[str, Any] = {"batchItemFailures": []}


# --------------------------------------------------------------------------- conversions


def test_thumbnail_fits_300_box_and_keeps_aspect_ratio(s3: Any) -> None:
    response = invoke("thumbnail", upload(s3, "wide.png", samples.make_png(1000, 500)))

    assert response == NO_FAILURES
    thumb = decode(read_output(s3, "thumbnails/wide.png"))
    assert (thumb.format, thumb.size) == ("PNG", (300, 150))


def test_thumbnail_of_jpeg_stays_jpeg(s3: Any) -> None:
    response = invoke("thumbnail", upload(s3, "tall.jpeg", samples.make_jpeg(800, 1200)))

    assert response == NO_FAILURES
    thumb = decode(read_output(s3, "thumbnails/tall.jpeg"))
    assert (thumb.format, thumb.size) == ("JPEG", (200, 300))


def test_thumbnail_of_a_large_jpeg_is_decoded_at_reduced_scale_and_comes_out_the_same_size() -> None:
    data = samples.make_jpeg(2400, 1600)

    reduced = images.open_image(data, 10**8, at_least=600)
    full = images.open_image(data, 10**8)

    assert reduced.size == (1200, 800)  # JPEG's DCT scaling: 1/2, still at least 600 a side
    assert images.thumbnail(reduced, 300).size == images.thumbnail(full, 300).size == (300, 200)


def test_truncated_jpeg_is_rejected_even_when_decoded_at_reduced_scale() -> None:
    data = samples.make_jpeg(2400, 1600)

    with pytest.raises(TruncatedImage):
        images.open_image(data[: len(data) // 2], 10**8, at_least=600)


def test_png_thumbnail_is_encoded_with_the_fast_deflate_level_and_decodes_to_the_same_pixels() -> None:
    source = images.open_image(samples.make_photo_like_png(600, 400), 10**8)
    thumb = images.thumbnail(source, 300)

    encoded = images.encoded(thumb, "PNG", "photo.png")

    assert images.SAVE_OPTIONS["PNG"] == {"compress_level": 3}
    assert decode(encoded.body).tobytes() == thumb.tobytes()  # lossless whatever the level


def test_thumbnail_of_other_formats_is_png_with_png_extension(s3: Any) -> None:
    response = invoke("thumbnail", upload(s3, "art/logo.gif", samples.make_image(600, 600, "GIF")))

    assert response == NO_FAILURES
    thumb = decode(read_output(s3, "thumbnails/art/logo.png"))
    assert (thumb.format, thumb.size) == ("PNG", (300, 300))


def test_thumbnail_size_follows_thumbnail_size_setting(s3: Any) -> None:
    os.environ["THUMBNAIL_SIZE"] = "64"

    invoke("thumbnail", upload(s3, "wide.png", samples.make_png(1000, 500)))

    assert decode(read_output(s3, "thumbnails/wide.png")).size == (64, 32)


def test_small_image_thumbnail_is_not_enlarged(s3: Any) -> None:
    invoke("thumbnail", upload(s3, "icon.png", samples.make_png(40, 20)))

    assert decode(read_output(s3, "thumbnails/icon.png")).size == (40, 20)


def test_png_to_jpeg_writes_rgb_jpeg_with_jpg_extension(s3: Any) -> None:
    response = invoke("png-to-jpeg", upload(s3, "scans/page.png", samples.make_png(320, 200)))

    assert response == NO_FAILURES
    jpeg = decode(read_output(s3, "jpeg/scans/page.jpg"))
    assert (jpeg.format, jpeg.mode, jpeg.size) == ("JPEG", "RGB", (320, 200))


def test_png_to_jpeg_flattens_transparency_over_white(s3: Any) -> None:
    invoke("png-to-jpeg", upload(s3, "alpha.png", samples.make_png(200, 100, alpha=True)))

    jpeg = decode(read_output(s3, "jpeg/alpha.jpg"))
    assert jpeg.mode == "RGB"
    assert min(jpeg.getpixel((0, 50))) >= 240  # left edge was transparent: now white


def test_zip_holds_the_original_bytes_under_the_base_name(s3: Any) -> None:
    original = samples.make_png(64, 64)

    response = invoke("zip", upload(s3, "docs/2024/scan.png", original))

    assert response == NO_FAILURES
    with zipfile.ZipFile(io.BytesIO(read_output(s3, "zip/docs/2024/scan.png.zip"))) as archive:
        assert archive.namelist() == ["scan.png"]
        assert archive.read("scan.png") == original


def test_zip_deflates_compressible_files_and_stores_already_compressed_ones(s3: Any) -> None:
    text = b"a line of a log file that repeats\n" * 5000
    photo = samples.make_photo_like_png(300, 300)
    invoke("zip", upload(s3, "notes.txt", text))
    invoke("zip", upload(s3, "photo.png", photo))

    with zipfile.ZipFile(io.BytesIO(read_output(s3, "zip/notes.txt.zip"))) as archive:
        assert archive.getinfo("notes.txt").compress_type == zipfile.ZIP_DEFLATED
        assert archive.read("notes.txt") == text
    with zipfile.ZipFile(io.BytesIO(read_output(s3, "zip/photo.png.zip"))) as archive:
        assert archive.getinfo("photo.png").compress_type == zipfile.ZIP_STORED
        assert archive.read("photo.png") == photo


def test_outputs_carry_content_type(s3: Any) -> None:
    record = upload(s3, "a.png", samples.make_png(50, 50))
    for conversion in HANDLERS:
        invoke(conversion, record)

    content_types = {key: s3.head_object(Bucket=OUTPUT_BUCKET, Key=key)["ContentType"]
                     for key in ("thumbnails/a.png", "jpeg/a.jpg", "zip/a.png.zip")}
    assert content_types == {"thumbnails/a.png": "image/png", "jpeg/a.jpg": "image/jpeg", "zip/a.png.zip": "application/zip"}


@pytest.mark.parametrize(
    ("conversion", "expected_key"),
    [("thumbnail", "thumbnails/photos/my cat é.png"), ("png-to-jpeg", "jpeg/photos/my cat é.jpg"),
     ("zip", "zip/photos/my cat é.png.zip")],
)
def test_keys_with_spaces_and_unicode_convert(s3: Any, conversion: str, expected_key: str) -> None:
    record = upload(s3, UNICODE_KEY, samples.make_png(400, 400))
    assert "my+cat+%C3%A9.png" in record["body"]  # really URL-encoded in the event

    response = invoke(conversion, record)

    assert response == NO_FAILURES
    assert output_keys(s3) == {expected_key}


def test_raw_message_delivery_body_is_accepted(s3: Any) -> None:
    response = invoke("thumbnail", upload(s3, "raw delivery.png", samples.make_png(600, 300), raw=True))

    assert response == NO_FAILURES
    assert decode(read_output(s3, "thumbnails/raw delivery.png")).size == (300, 150)


def test_every_record_of_a_multi_record_s3_event_is_converted(s3: Any) -> None:
    files = {"batch/one.png": samples.make_png(100, 100), "batch/two.png": samples.make_png(100, 100)}
    for key, data in files.items():
        s3.put_object(Bucket=INPUT_BUCKET, Key=key, Body=data)
    event = events.s3_event(*(events.s3_record(INPUT_BUCKET, key, len(data)) for key, data in files.items()))

    response = invoke("zip", sqs_record(sns_envelope(event)))

    assert response == NO_FAILURES
    assert output_keys(s3) == {"zip/batch/one.png.zip", "zip/batch/two.png.zip"}


@pytest.mark.parametrize("raw", [False, True], ids=["sns-envelope", "raw"])
def test_s3_test_event_is_acknowledged_and_ignored(s3: Any, raw: bool) -> None:
    body = events.s3_test_event(INPUT_BUCKET) if raw else sns_envelope(events.s3_test_event(INPUT_BUCKET))

    for conversion in HANDLERS:
        assert invoke(conversion, sqs_record(body)) == NO_FAILURES
    assert output_keys(s3) == set()


def test_non_object_created_events_are_ignored(s3: Any) -> None:
    event = events.s3_event(events.s3_record(INPUT_BUCKET, "gone.png", 0, event_name="ObjectRemoved:Delete"))

    assert invoke("zip", sqs_record(sns_envelope(event))) == NO_FAILURES
    assert output_keys(s3) == set()


# --------------------------------------------------------------------------- bad input: recorded, not retried


def test_non_image_fails_image_conversions_but_is_zipped(s3: Any) -> None:
    record = upload(s3, "notes/report.png", samples.not_an_image())

    responses = {conversion: invoke(conversion, record) for conversion in HANDLERS}

    assert all(response == NO_FAILURES for response in responses.values())
    for conversion in IMAGE_CONVERSIONS:
        rejected = failure(s3, conversion, "notes/report.png")
        assert rejected["reason"].startswith("not an image")
        assert rejected["error_type"] == "NotAnImage"
    assert output_keys(s3) >= {"zip/notes/report.png.zip"}
    assert not any(key.startswith(("thumbnails/", "jpeg/")) for key in output_keys(s3))


def test_failure_record_has_the_documented_fields(s3: Any) -> None:
    record = upload(s3, "notes/report.txt", samples.not_an_image())

    invoke("thumbnail", record)

    rejected = failure(s3, "thumbnail", "notes/report.txt")
    assert rejected.keys() >= {"conversion", "bucket", "key", "reason", "error_type", "message_id", "size", "failed_at"}
    assert rejected["conversion"] == "thumbnail"
    assert (rejected["bucket"], rejected["key"]) == (INPUT_BUCKET, "notes/report.txt")
    assert rejected["message_id"] == record["messageId"]
    assert rejected["size"] == len(samples.not_an_image())
    assert rejected["failed_at"].endswith("Z")


def test_rejection_is_logged_at_warning_with_the_reason(s3: Any, caplog: pytest.LogCaptureFixture) -> None:
    record = upload(s3, "notes/report.png", samples.not_an_image())

    with caplog.at_level(logging.WARNING):
        invoke("png-to-jpeg", record)

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(getattr(r, "reason", "").startswith("not an image") and "not an image" in r.getMessage() for r in warnings)


def test_png_to_jpeg_rejects_other_images_naming_the_detected_format(s3: Any) -> None:
    response = invoke("png-to-jpeg", upload(s3, "photo.jpg", samples.make_jpeg(100, 100)))

    assert response == NO_FAILURES
    assert failure(s3, "png-to-jpeg", "photo.jpg")["reason"] == "not a PNG image (detected JPEG)"


@pytest.mark.parametrize("conversion", IMAGE_CONVERSIONS)
def test_truncated_image_is_rejected(s3: Any, conversion: str) -> None:
    response = invoke(conversion, upload(s3, "broken.png", samples.truncated_png()))

    assert response == NO_FAILURES
    rejected = failure(s3, conversion, "broken.png")
    assert rejected["error_type"] == "TruncatedImage"
    assert "truncated" in rejected["reason"]


def test_decompression_bomb_sample_is_small_on_disk_but_declares_400_megapixels() -> None:
    bomb = samples.decompression_bomb_png(20_000, 20_000)

    assert len(bomb) < 100_000
    assert bomb[12:16] == b"IHDR"
    assert (int.from_bytes(bomb[16:20], "big"), int.from_bytes(bomb[20:24], "big")) == (20_000, 20_000)


@pytest.mark.parametrize("conversion", IMAGE_CONVERSIONS)
@pytest.mark.parametrize(
    "side",
    [20_000, 10_000, 7_000],
    ids=["over-pillow-error-limit", "over-pillow-warning-limit", "over-max-image-pixels-only"],
)
def test_decompression_bomb_is_rejected_before_decoding(s3: Any, conversion: str, side: int) -> None:
    response = invoke(conversion, upload(s3, "bomb.png", samples.decompression_bomb_png(side, side)))

    assert response == NO_FAILURES
    rejected = failure(s3, conversion, "bomb.png")
    assert rejected["error_type"] == "DecompressionBomb"
    assert rejected["reason"].startswith("decompression bomb")


def test_image_over_max_image_pixels_setting_is_rejected(s3: Any) -> None:
    os.environ["MAX_IMAGE_PIXELS"] = "10000"

    invoke("thumbnail", upload(s3, "big.png", samples.make_png(200, 200)))

    assert failure(s3, "thumbnail", "big.png")["reason"] == (
        "decompression bomb: 200x200 = 40000 pixels exceeds MAX_IMAGE_PIXELS=10000"
    )


def counting_get_object(calls: list[str]) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.meta.events.register("before-parameter-build.s3.GetObject", lambda params, **_: calls.append(params["Key"]))
    return client


@pytest.mark.parametrize("conversion", HANDLERS)
def test_file_over_max_input_bytes_is_rejected_without_downloading(s3: Any, conversion: str) -> None:
    os.environ["MAX_INPUT_BYTES"] = "1000"
    record = upload(s3, "huge.png", samples.make_png(300, 300))
    get_calls: list[str] = []

    response = invoke_with_client(conversion, counting_get_object(get_calls), record)

    assert response == NO_FAILURES
    assert get_calls == []
    rejected = failure(s3, conversion, "huge.png")
    assert rejected["error_type"] == "InputTooLarge"
    assert "exceeds MAX_INPUT_BYTES=1000" in rejected["reason"]


def test_object_grown_since_the_event_is_rejected_from_its_real_length(s3: Any) -> None:
    os.environ["MAX_INPUT_BYTES"] = "1000"
    data = samples.make_png(300, 300)
    s3.put_object(Bucket=INPUT_BUCKET, Key="replaced.png", Body=data)
    stale_event = events.s3_event(events.s3_record(INPUT_BUCKET, "replaced.png", 10))  # event from an earlier, small version

    assert invoke("zip", sqs_record(sns_envelope(stale_event))) == NO_FAILURES
    rejected = failure(s3, "zip", "replaced.png")
    assert rejected["reason"] == f"file too large: {len(data)} bytes exceeds MAX_INPUT_BYTES=1000"
    assert rejected["size"] == len(data)


@pytest.mark.parametrize("conversion", HANDLERS)
@pytest.mark.parametrize("key", ["../etc/passwd.png", "a/../../b.png", "/absolute/x.png", "a\\..\\b.png"])
def test_unsafe_keys_are_rejected_under_a_hashed_record_name(s3: Any, conversion: str, key: str) -> None:
    event = events.s3_event(events.s3_record(INPUT_BUCKET, key, 100))  # never fetched, so the object need not exist

    response = invoke(conversion, sqs_record(sns_envelope(event)))

    assert response == NO_FAILURES
    record_key = f"failed/{conversion}/unsafe-key-{hashlib.sha256(key.encode()).hexdigest()}.json"
    assert output_keys(s3) == {record_key}
    rejected = json.loads(read_output(s3, record_key))
    assert (rejected["key"], rejected["error_type"]) == (key, "UnsafeKey")
    assert rejected["reason"].startswith("unsafe key")


def test_key_with_dots_inside_a_name_is_not_unsafe(s3: Any) -> None:
    assert invoke("zip", upload(s3, "v1..2/report..final.png", b"data")) == NO_FAILURES
    assert output_keys(s3) == {"zip/v1..2/report..final.png.zip"}


@pytest.mark.parametrize("conversion", HANDLERS)
def test_object_deleted_before_conversion_is_recorded_not_retried(s3: Any, conversion: str) -> None:
    record = upload(s3, "ephemeral.png", samples.make_png(50, 50))
    s3.delete_object(Bucket=INPUT_BUCKET, Key="ephemeral.png")

    assert invoke(conversion, record) == NO_FAILURES
    rejected = failure(s3, conversion, "ephemeral.png")
    assert (rejected["reason"], rejected["error_type"]) == ("object no longer exists", "ObjectGone")


def test_bad_inputs_do_not_stop_the_rest_of_the_batch(s3: Any) -> None:
    bad_text = upload(s3, "bad/text.png", samples.not_an_image())
    bad_key = sqs_record(sns_envelope(events.s3_event(events.s3_record(INPUT_BUCKET, "../escape.png", 10))))
    bomb = upload(s3, "bad/bomb.png", samples.decompression_bomb_png(20_000, 20_000))
    good = upload(s3, "good/ok.png", samples.make_png(900, 300))

    response = invoke("thumbnail", bad_text, bad_key, bomb, good)

    assert response == NO_FAILURES
    assert decode(read_output(s3, "thumbnails/good/ok.png")).size == (300, 100)
    assert {key for key in output_keys(s3) if key.startswith("failed/thumbnail/")} == {
        "failed/thumbnail/bad/text.png.json",
        "failed/thumbnail/bad/bomb.png.json",
        f"failed/thumbnail/unsafe-key-{hashlib.sha256(b'../escape.png').hexdigest()}.json",
    }


# --------------------------------------------------------------------------- transient errors: retried


def throttling_get_object(key: str) -> Any:
    """An S3 client whose GetObject of ``key`` fails with 503 SlowDown (botocore event hook, no patching)."""
    client = boto3.client("s3", region_name=REGION)

    def slow_down(params: dict[str, Any], **_: Any) -> None:
        if params.get("Key") == key:
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                 "ResponseMetadata": {"HTTPStatusCode": 503}},
                "GetObject",
            )

    client.meta.events.register("before-parameter-build.s3.GetObject", slow_down)
    return client


@pytest.mark.parametrize("conversion", HANDLERS)
def test_throttled_get_is_reported_as_batch_item_failure_for_retry(s3: Any, conversion: str) -> None:
    good = upload(s3, "fine.png", samples.make_png(50, 50))
    flaky = upload(s3, "flaky.png", samples.make_png(50, 50))

    response = invoke_with_client(conversion, throttling_get_object("flaky.png"), good, flaky)

    assert response == {"batchItemFailures": [{"itemIdentifier": flaky["messageId"]}]}
    assert not any("flaky" in key for key in output_keys(s3))  # no failure record: it will be retried
    assert any("fine" in key for key in output_keys(s3))


def test_whole_batch_failing_is_reported_item_by_item_not_raised(s3: Any) -> None:
    flaky = upload(s3, "flaky.png", samples.make_png(50, 50))

    response = invoke_with_client("thumbnail", throttling_get_object("flaky.png"), flaky)

    assert response == {"batchItemFailures": [{"itemIdentifier": flaky["messageId"]}]}


def test_missing_output_bucket_is_retried_not_recorded(s3: Any) -> None:
    """A deleted/misnamed output bucket (PutObject NoSuchBucket) must not lose uploads: retry, then DLQ."""
    os.environ["OUTPUT_BUCKET"] = "no-such-output-bucket"
    record = upload(s3, "a.png", samples.make_png(50, 50))

    assert invoke("zip", record) == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}


def test_unparseable_message_is_retried_towards_the_dlq(s3: Any) -> None:
    garbage = sqs_record("this is not json")
    good = upload(s3, "ok.png", b"fine")

    response = invoke("zip", garbage, good)

    assert response == {"batchItemFailures": [{"itemIdentifier": garbage["messageId"]}]}
    assert output_keys(s3) == {"zip/ok.png.zip"}


# --------------------------------------------------------------------------- configuration and guards


def test_missing_output_bucket_setting_is_a_clear_error(s3: Any) -> None:
    del os.environ["OUTPUT_BUCKET"]

    with pytest.raises(ConfigurationError, match="OUTPUT_BUCKET environment variable is required"):
        invoke("zip", upload(s3, "a.png", b"x"))


@pytest.mark.parametrize("name", ["MAX_INPUT_BYTES", "MAX_IMAGE_PIXELS", "THUMBNAIL_SIZE"])
def test_invalid_numeric_setting_is_a_clear_error(s3: Any, name: str) -> None:
    os.environ[name] = "lots"

    with pytest.raises(ConfigurationError, match=f"{name} must be a positive integer"):
        invoke("thumbnail", upload(s3, "a.png", b"x"))


def test_events_from_the_output_bucket_are_ignored_to_avoid_loops(s3: Any) -> None:
    s3.put_object(Bucket=OUTPUT_BUCKET, Key="thumbnails/a.png", Body=samples.make_png(10, 10))
    event = events.s3_event(events.s3_record(OUTPUT_BUCKET, "thumbnails/a.png", 100))

    assert invoke("thumbnail", sqs_record(sns_envelope(event))) == NO_FAILURES
    assert output_keys(s3) == {"thumbnails/a.png"}


# --------------------------------------------------------------------------- key conventions


@pytest.mark.parametrize(
    ("key", "image_format", "expected"),
    [("a/b.png", "PNG", "a/b.png"), ("a/b.PNG", "PNG", "a/b.PNG"), ("a/b.gif", "PNG", "a/b.png"),
     ("a/b.png", "JPEG", "a/b.jpg"), ("a/b.jpeg", "JPEG", "a/b.jpeg"), ("a/noext", "PNG", "a/noext.png"),
     ("v1.2/noext", "JPEG", "v1.2/noext.jpg")],
)
def test_output_extension_follows_the_format(key: str, image_format: str, expected: str) -> None:
    assert keys.with_extension(key, image_format) == expected


def test_overlong_key_failure_record_uses_a_hashed_name() -> None:
    key = "k" * 1020

    record_key = keys.failure_record_key("zip", key, unsafe=False)

    assert record_key == f"failed/zip/long-key-{hashlib.sha256(key.encode()).hexdigest()}.json"

"""The job table's DynamoDB requests. Every status change is one conditional write on the job's
``status`` and ``attempt`` (a compare-and-swap): of two writers racing on the same attempt, one
wins and the other learns it lost (``None``/``False``) with nothing written."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Iterator

from jobs.errors import InvalidJobError, JobError
from jobs.records import BY_STATUS, BY_TYPE, Job, job_from_item, to_av, values

NAMES = {"#s": "status"}


class JobTable:
    def __init__(self, name: str, client: Callable[[], Any]) -> None:
        self.name = name
        self._client = client

    @property
    def ddb(self) -> Any:
        return self._client()

    # -- single jobs ----------------------------------------------------------------------------
    def create(self, item: dict[str, Any], dedup_key: str | None) -> str | None:
        """Write a new job; with a deduplication key, atomically with its ``dedup#`` item. Returns
        None when written, or the id of the job that already holds the key (nothing written)."""
        encoded = {k: to_av(v) for k, v in item.items()}
        if dedup_key is None:  # a fresh random 128-bit id: no condition needed
            self.ddb.put_item(TableName=self.name, Item=encoded)
            return None
        marker = {"pk": to_av(f"dedup#{dedup_key}"), "jobId": encoded["pk"], "createdAt": encoded["createdAt"]}
        try:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": self.name, "Item": marker, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Put": {"TableName": self.name, "Item": encoded, "ConditionExpression": "attribute_not_exists(pk)"}}])
            return None
        except self.ddb.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons[:1] != ["ConditionalCheckFailed"]:
                raise
        held = self.ddb.get_item(TableName=self.name, Key={"pk": to_av(f"dedup#{dedup_key}")}, ConsistentRead=True)
        if "Item" not in held:  # the holder was deleted between the two calls
            raise InvalidJobError(f"deduplication key {dedup_key!r} was released meanwhile; enqueue again")
        return held["Item"]["jobId"]["S"]

    def create_many(self, items: list[dict[str, Any]]) -> None:
        """New jobs (fresh random ids, no dedup keys) 25 to a ``BatchWriteItem``; what DynamoDB
        leaves unprocessed (throttling) is written again."""
        for start in range(0, len(items), 25):
            pending = {self.name: [{"PutRequest": {"Item": {k: to_av(v) for k, v in item.items()}}}
                                   for item in items[start:start + 25]]}
            for _ in range(8):
                pending = self.ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
            if pending:
                raise JobError(f"DynamoDB left {len(pending[self.name])} jobs unwritten after 8 tries; none of "
                               f"them was sent (the earlier batches were)")

    def get(self, job_id: str) -> Job | None:
        found = self.ddb.get_item(TableName=self.name, Key={"pk": to_av(job_id)}, ConsistentRead=True)
        return job_from_item(found["Item"]) if "Item" in found and "status" in found["Item"] else None

    def change(self, job_id: str, update: str, condition: str, names: dict[str, str] | None = None,
               returns: bool = True, **named: Any) -> tuple[Job | None, Job | None]:
        """One conditional update (``condition`` must test ``#s``, the status, so a missing job
        fails it): (the job after it, None) if applied — ``{}`` when not ``returns`` —, (None, the
        job as it is) if the condition failed (None, None when there is no such job)."""
        names = {**NAMES, **(names or {})}
        if "#n" in update or "#n" in condition:
            names["#n"] = str(named.pop("n"))
        try:
            answer = self.ddb.update_item(
                TableName=self.name, Key={"pk": to_av(job_id)}, UpdateExpression=update, ConditionExpression=condition,
                ExpressionAttributeNames=names, ExpressionAttributeValues=values(**named),
                ReturnValues="ALL_NEW" if returns else "NONE", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except self.ddb.exceptions.ConditionalCheckFailedException as exc:
            old = exc.response.get("Item")
            return None, (job_from_item(old) if old and "status" in old else None)
        return (job_from_item(answer["Attributes"]) if returns else {}), None

    def delete(self, job: Job, condition: str = "", **named: Any) -> bool:
        """Remove the job (and its deduplication key) if ``condition`` holds."""
        delete: dict[str, Any] = {"TableName": self.name, "Key": {"pk": to_av(job["jobId"])}}
        if condition:
            delete.update(ConditionExpression=condition, ExpressionAttributeNames=NAMES,
                          ExpressionAttributeValues=values(**named))
        actions = [{"Delete": delete}]
        if job.get("dedupKey"):
            actions.append({"Delete": {"TableName": self.name, "Key": {"pk": to_av(f"dedup#{job['dedupKey']}")},
                                       "ConditionExpression": "jobId = :id", "ExpressionAttributeValues": values(id=job["jobId"])}})
        try:
            self.ddb.transact_write_items(TransactItems=actions)
        except self.ddb.exceptions.TransactionCanceledException:
            return False
        return True

    # -- exclusive keys -------------------------------------------------------------------------
    def lock(self, key: str, job_id: str, attempt: int, until: float, now: float) -> bool:
        try:
            self.ddb.put_item(TableName=self.name, Item={"pk": to_av(f"lock#{key}"), "jobId": to_av(job_id),
                                                         "attempt": to_av(attempt), "until": to_av(until)},
                              ConditionExpression="attribute_not_exists(pk) OR #u < :now OR jobId = :id",
                              ExpressionAttributeNames={"#u": "until"}, ExpressionAttributeValues=values(now=now, id=job_id))
        except self.ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def unlock(self, key: str, job_id: str) -> None:
        try:
            self.ddb.delete_item(TableName=self.name, Key={"pk": to_av(f"lock#{key}")},
                                 ConditionExpression="jobId = :id", ExpressionAttributeValues=values(id=job_id))
        except self.ddb.exceptions.ConditionalCheckFailedException:
            pass  # expired and taken by the next job meanwhile

    # -- listing --------------------------------------------------------------------------------
    def page(self, *, status: str | None = None, job_type: str | None = None, limit: int = 50,
             token: str | None = None, before: float | None = None) -> tuple[list[Job], str | None]:
        """One page of jobs, newest first when listed by status or type; ``token`` continues."""
        request: dict[str, Any] = {"TableName": self.name, "Limit": limit}
        if token:
            request["ExclusiveStartKey"] = decode_token(token)
        if status is not None:
            request.update(IndexName=BY_STATUS, ScanIndexForward=False, ExpressionAttributeNames=dict(NAMES),
                           KeyConditionExpression="#s = :s" + (" AND updatedAt < :before" if before is not None else ""),
                           ExpressionAttributeValues=values(s=status, **({"before": before} if before is not None else {})))
            if job_type is not None:
                request["FilterExpression"] = "jobType = :t"
                request["ExpressionAttributeValues"].update(values(t=job_type))
            answer = self.ddb.query(**request)
        elif job_type is not None:
            request.update(IndexName=BY_TYPE, ScanIndexForward=False, KeyConditionExpression="jobType = :t",
                           ExpressionAttributeValues=values(t=job_type))
            answer = self.ddb.query(**request)
        else:
            request.update(FilterExpression="attribute_exists(#s)", ExpressionAttributeNames=dict(NAMES))
            answer = self.ddb.scan(**request)
        jobs = [job_from_item(item) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return jobs, encode_token(last) if last else None

    def all(self, **query: Any) -> Iterator[Job]:
        token: str | None = None
        while True:
            jobs, token = self.page(limit=200, token=token, **query)
            yield from jobs
            if token is None:
                return


def encode_token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode()


def decode_token(token: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except ValueError as exc:
        raise InvalidJobError(f"not a page token of this listing: {token[:40]!r}") from exc
    if not isinstance(key, dict):
        raise InvalidJobError(f"not a page token of this listing: {token[:40]!r}")
    return key

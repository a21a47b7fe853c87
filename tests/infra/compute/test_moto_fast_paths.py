"""moto's DynamoDB answers go out without its shape-walking serializer when they are plain JSON:
every attribute type still comes back exactly, absent members stay absent, and answers that are
not plain (errors, table descriptions with timestamps) take moto's own way."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest


@pytest.fixture
def table(cloud):
    name = f"fast-{uuid.uuid4().hex[:8]}"
    cloud.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    return name


ITEM = {"pk": {"S": "p"}, "sk": {"N": "1"}, "bin": {"B": b"\x00\xffbytes"}, "flag": {"BOOL": False},
        "none": {"NULL": True}, "list": {"L": [{"S": "a"}, {"N": "2.5"}, {"M": {"x": {"S": "y"}}}]},
        "strings": {"SS": ["b", "a"]}, "numbers": {"NS": ["3", "1"]}, "blobs": {"BS": [b"\x01", b"\x02"]},
        "empty": {"S": ""}}


def test_every_attribute_type_round_trips(cloud, table):
    ddb = cloud.client("dynamodb")
    ddb.put_item(TableName=table, Item=ITEM)

    item = ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})["Item"]

    assert item["bin"] == {"B": b"\x00\xffbytes"} and item["blobs"]["BS"] == [b"\x01", b"\x02"]
    assert {k: v for k, v in item.items() if k not in ("strings", "numbers", "blobs", "bin")} == {
        k: v for k, v in ITEM.items() if k not in ("strings", "numbers", "blobs", "bin")}
    assert sorted(item["strings"]["SS"]) == ["a", "b"] and sorted(item["numbers"]["NS"]) == ["1", "3"]


def test_missing_item_has_no_item_member(cloud, table):
    answer = cloud.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "nobody"}, "sk": {"N": "0"}})

    assert "Item" not in answer


def test_query_pages_with_last_evaluated_key(cloud, table):
    ddb = cloud.client("dynamodb")
    for sk in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": "q"}, "sk": {"N": str(sk)}})

    first = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "q"}},
                      Limit=2)
    rest = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "q"}},
                     ExclusiveStartKey=first["LastEvaluatedKey"])

    assert [i["sk"]["N"] for i in first["Items"] + rest["Items"]] == ["0", "1", "2"]
    assert first["Count"] == 2 and "LastEvaluatedKey" not in rest


def test_resource_api_decodes_numbers_and_errors_still_come_through(cloud, table):
    import boto3

    resource = boto3.resource("dynamodb", region_name="us-east-1")
    resource.Table(table).put_item(Item={"pk": "r", "sk": 5, "price": Decimal("9.99")})

    item = resource.Table(table).get_item(Key={"pk": "r", "sk": 5})["Item"]
    description = cloud.client("dynamodb").describe_table(TableName=table)["Table"]  # timestamps: moto's way
    with pytest.raises(cloud.client("dynamodb").exceptions.ConditionalCheckFailedException):
        cloud.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "r"}, "sk": {"N": "5"}},
                                          ConditionExpression="attribute_not_exists(pk)")

    assert item["price"] == Decimal("9.99") and item["sk"] == 5
    assert description["TableName"] == table and description["CreationDateTime"].year >= 2024


def test_moto_random_strings_keep_their_alphabet_length_and_seed(cloud):
    from moto.moto_api._internal import mock_random

    mock_random.seed(7)
    first = [mock_random.get_random_string(length=52) for _ in range(3)]
    mock_random.seed(7)
    again = [mock_random.get_random_string(length=52) for _ in range(3)]

    assert first == again and len(set(first)) == 3
    assert all(len(s) == 52 and s.isalnum() and s.isascii() for s in first)
    assert mock_random.get_random_string(length=200, include_digits=False).isalpha()
    assert mock_random.get_random_string(length=30, lower_case=True).islower()


def test_every_moto_answer_still_carries_a_fresh_request_id(cloud, table):
    ddb = cloud.client("dynamodb")
    ids = {ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})["ResponseMetadata"]["RequestId"]
           for _ in range(5)}

    assert len(ids) == 5 and all(len(i) == 52 for i in ids)


def _requests_both_ways(method, url, headers, body):
    from botocore.compat import HTTPHeaders
    from moto.core.request import Request

    http_headers = HTTPHeaders()
    for key, value in headers:
        http_headers[key] = value
    fast = Request.from_primitives(method, url, http_headers, body)
    moto = Request.from_primitives.__func__.moto_original(Request, method, url, http_headers, body)
    return fast, moto


@pytest.mark.parametrize("method, url, headers, body", [
    ("POST", "https://dynamodb.us-east-1.amazonaws.com/",
     [("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0"),
      ("Content-Length", "2"), ("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/dynamodb")], b"{}"),
    ("GET", "http://localhost:5000/2015-03-31/functions/f?Qualifier=1&x=", [("X-Twice", "a"), ("x-twice", "b")], None),
    ("PUT", "https://bucket.s3.amazonaws.com/key/with/slashes", [("x-amz-meta-my_key", "v"),
                                                                  ("Transfer-Encoding", "chunked")], b"data"),
    ("DELETE", "https://sqs.eu-west-1.amazonaws.com:8443/", [], b""),
    ("POST", "https://logs.us-east-1.amazonaws.com/", [("X-Amz-Target", b"Logs_20140328.PutLogEvents"),
                                                        ("Content-Type", b"application/x-amz-json-1.1")], b"{}"),
])
def test_plain_moto_requests_get_the_environ_werkzeug_would_build(method, url, headers, body):
    fast, moto = _requests_both_ways(method, url, headers, body)

    def comparable(request):
        return {k: v for k, v in request.environ.items() if k not in ("wsgi.input", "werkzeug.request")}

    assert comparable(fast) == comparable(moto)
    assert fast.get_data() == moto.get_data() and fast.raw_url == moto.raw_url
    assert list(fast.headers) == list(moto.headers)


@pytest.mark.parametrize("url, body", [
    ("https://bucket.s3.amazonaws.com/a%2Fb", b"x"),            # percent-escapes: werkzeug decodes them
    ("https://bucket.s3.amazonaws.com/caf\u00e9", b"x"),        # not ASCII
    ("https://dynamodb.us-east-1.amazonaws.com/", "text body"),  # not bytes
])
def test_other_moto_requests_take_werkzeugs_way(url, body):
    fast, moto = _requests_both_ways("PUT", url, [("Content-Type", "text/plain")], body)

    assert fast.environ["PATH_INFO"] == moto.environ["PATH_INFO"] and fast.raw_url == moto.raw_url
    assert fast.get_data() == moto.get_data()


def test_user_agent_components_read_the_same_when_their_text_is_kept(cloud):
    from botocore.useragent import UserAgentComponent, UserAgentComponentSizeConfig, UserAgentString

    components = [UserAgentComponent("md", "Botocore", "1.0"), UserAgentComponent("m", "a,b", None),
                  UserAgentComponent("lang", "python", "3.11 weird value!"),
                  UserAgentComponent("m", ",".join(["abc"] * 20), None, UserAgentComponentSizeConfig(12, ","))]
    uncached = UserAgentComponent.to_string.__wrapped__

    for _ in range(2):
        assert [component.to_string() for component in components] == [uncached(c) for c in components]
    assert uncached(components[2]) == "lang/python#3.11-weird-value!" and len(uncached(components[3])) <= 12
    assert UserAgentString.from_environment().to_string().startswith("Botocore/")


def test_botocores_own_requests_take_the_direct_way(cloud, table):
    from infra.compute.moto_hooks.dispatch import plain_moto_environ

    ddb = cloud.client("dynamodb")
    sent = []
    ddb.meta.events.register_first("before-send.dynamodb.GetItem", lambda request, **_: sent.append(request))
    ddb.get_item(TableName=table, Key={"pk": {"S": "p"}, "sk": {"N": "1"}})

    environ = plain_moto_environ(sent[0].method, sent[0].url, sent[0].headers, sent[0].body)
    assert environ is not None and environ["HTTP_X_AMZ_TARGET"] == "DynamoDB_20120810.GetItem"


def test_query_reads_only_its_partition_backwards_paged_and_filtered(cloud, table):
    ddb = cloud.client("dynamodb")
    for pk in ("a", "b", "c"):
        for sk in range(1, 6):
            ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "sk": {"N": str(sk)}, "odd": {"BOOL": sk % 2 == 1}})

    last = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "b"}},
                     ScanIndexForward=False, Limit=1)
    pages, start = [], None
    while True:
        page = ddb.query(TableName=table, KeyConditionExpression="pk = :p AND sk > :s", FilterExpression="odd = :t",
                         ExpressionAttributeValues={":p": {"S": "c"}, ":s": {"N": "1"}, ":t": {"BOOL": True}},
                         Limit=2, **({"ExclusiveStartKey": start} if start else {}))
        pages.append([int(item["sk"]["N"]) for item in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    none = ddb.query(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "z"}})

    assert [(i["pk"]["S"], i["sk"]["N"]) for i in last["Items"]] == [("b", "5")]
    assert [sk for page in pages for sk in page] == [3, 5]
    assert none["Items"] == [] and none["Count"] == 0

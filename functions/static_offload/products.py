"""The shop's API: ``GET /api/products`` lists the products from DynamoDB (Powertools' REST resolver)."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

app = APIGatewayRestResolver()


def _product(item: dict[str, Any]) -> dict[str, Any]:
    return {"id": item["id"]["S"], "name": item["name"]["S"], "priceCents": int(item["priceCents"]["N"])}


@app.get("/api/products")
def list_products() -> Response:
    dynamodb = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": os.environ["PRODUCTS_TABLE"]}
    while True:
        page = dynamodb.scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    products = sorted((_product(item) for item in items), key=lambda p: p["id"])
    return Response(200, content_types.APPLICATION_JSON, {"products": products},
                    headers={"Cache-Control": "no-store"})


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)

"""The order-workflow saga end to end on the embedded target, over real HTTP, on a virtual clock."""

from __future__ import annotations

import pytest

from infra.cloud import Cloud
from infra.compute.clock import VirtualClock
from patterns.api_client import api_url, call
from patterns.order_workflow import workload


@pytest.fixture(scope="module")
def shop():
    cloud = Cloud.embedded(clock=VirtualClock())
    stack = cloud.deploy("order-workflow")
    workload.seed_inventory(cloud, stack)
    yield cloud, stack, api_url(cloud, stack)
    cloud.close()


def _order(base, **order):
    answer = call("POST", f"{base}/orders", {"card": workload.GOOD_CARD, **order})
    assert answer.status == 202
    assert answer.body["executionArn"].endswith(answer.body["orderId"])
    return answer.body["orderId"]


def _final(cloud, base, order_id):
    return workload.wait_for(cloud, base, order_id, workload.FINAL)


def _held(cloud, stack, order_id):
    return workload.ledger(cloud, stack, [order_id])["orders"][order_id]


def test_every_scenario_ends_as_expected_and_the_saga_leaves_nothing_half_done(shop):
    cloud, stack, _ = shop
    result = workload.run(cloud, stack)
    assert workload.check(result) == []
    assert workload.outcome(result)["statuses"] == {
        "approved": "COMPLETED", "rejected": "CANCELLED", "declined": "CANCELLED", "transient-failure": "COMPLETED",
        "crash-after-charge": "CANCELLED", "out-of-stock": "CANCELLED", "invalid": "FAILED",
        "client-retry": "COMPLETED"}
    assert result["virtualSeconds"] >= 3600  # the fulfilment window passed on the clock


def test_a_small_order_ships_after_the_fulfilment_window_and_is_notified(shop):
    cloud, stack, base = shop
    before = cloud.clock.now()
    order_id = _order(base, items=[{"sku": "cable", "quantity": 1, "price": "9.99"}])
    answer = _final(cloud, base, order_id)
    assert answer["status"] == "COMPLETED"
    assert answer["steps"][-3:] == ["Ship", "Notify", "MarkCompleted"]
    assert answer["trackingId"].startswith("TRK-")
    assert cloud.clock.now() - before >= 3600
    assert any(order_id in body for body in workload.notifications(cloud, stack))


def test_a_retried_post_with_the_same_idempotency_key_starts_one_execution_and_charges_once(shop):
    cloud, stack, base = shop
    order = {"items": [{"sku": "cable", "quantity": 1, "price": "9.99"}], "card": workload.GOOD_CARD}
    key = {"Idempotency-Key": "client-retry-1"}
    first = call("POST", f"{base}/orders", order, headers=key)
    retried = call("POST", f"{base}/orders", order, headers=key)  # the client never saw the first answer

    assert first.status == retried.status == 202
    assert first.body == retried.body and first.body["orderId"] == "client-retry-1"
    assert _final(cloud, base, "client-retry-1")["status"] == "COMPLETED"
    assert _held(cloud, stack, "client-retry-1")["charges"] == 1
    late = call("POST", f"{base}/orders", order, headers=key)  # the order finished: the key is spent
    assert late.status == 400 and "Idempotency-Key" in late.body["message"]
    assert _held(cloud, stack, "client-retry-1")["charges"] == 1


def test_the_same_idempotency_key_for_a_different_order_is_refused(shop):
    _, _, base = shop
    key = {"Idempotency-Key": "client-reused-key"}
    assert call("POST", f"{base}/orders", {"items": [{"sku": "cable", "quantity": 1, "price": 1}],
                                           "card": workload.GOOD_CARD}, headers=key).status == 202
    other = call("POST", f"{base}/orders", {"items": [{"sku": "mouse", "quantity": 1, "price": 1}],
                                            "card": workload.GOOD_CARD}, headers=key)
    assert other.status == 400


def test_a_large_order_waits_for_approval_until_answered_and_a_second_answer_is_refused(shop):
    cloud, stack, base = shop
    order_id = _order(base, items=[{"sku": "laptop", "quantity": 1, "price": 1000}])
    waiting = workload.wait_for(cloud, base, order_id, ("AWAITING_APPROVAL",))
    assert waiting["status"] == "AWAITING_APPROVAL" and waiting["steps"][-1] == "RequestApproval"
    cloud.drain(max_seconds=8 * 3600)  # nothing moves it on but a person
    assert call("GET", f"{base}/orders/{order_id}").body["status"] == "AWAITING_APPROVAL"
    assert call("POST", f"{base}/orders/{order_id}/approval", {"approved": "yes"}).status == 400
    assert call("POST", f"{base}/orders/{order_id}/approval", {"approved": True}).status == 202
    assert call("POST", f"{base}/orders/{order_id}/approval", {"approved": True}).status == 409
    assert _final(cloud, base, order_id)["status"] == "COMPLETED"


def test_a_rejected_order_is_refunded_and_its_stock_released_in_reverse_order(shop):
    cloud, stack, base = shop
    order_id = _order(base, items=[{"sku": "laptop", "quantity": 2, "price": 1000}])
    workload.wait_for(cloud, base, order_id, ("AWAITING_APPROVAL",))
    call("POST", f"{base}/orders/{order_id}/approval", {"approved": False})
    answer = _final(cloud, base, order_id)
    assert answer["status"] == "CANCELLED" and answer["reason"] == "ApprovalRejected"
    assert answer["steps"][-5:] == ["Rejected", "Refund", "ReleaseStock", "MarkCancelled", "Cancelled"]
    assert _held(cloud, stack, order_id) == {"reserved": {}, "payment": "REFUNDED", "charges": 1, "attempts": 1}


def test_the_always_declined_card_cancels_the_order_with_no_charge_and_no_reservation(shop):
    cloud, stack, base = shop
    order_id = _order(base, items=[{"sku": "mouse", "quantity": 1, "price": 5}], card=workload.DECLINED_CARD)
    answer = _final(cloud, base, order_id)
    assert answer["status"] == "CANCELLED" and answer["reason"] == "CardDeclined"
    assert _held(cloud, stack, order_id) == {"reserved": {}, "payment": None, "charges": 0, "attempts": 1}


def test_a_transient_payment_failure_is_retried_and_charges_once(shop):
    cloud, stack, base = shop
    order_id = _order(base, items=[{"sku": "mouse", "quantity": 1, "price": 5}], card=workload.TRANSIENT_CARD)
    assert _final(cloud, base, order_id)["status"] == "COMPLETED"
    assert _held(cloud, stack, order_id) == {"reserved": {"mouse": 1}, "payment": "CHARGED", "charges": 1,
                                             "attempts": 3}


def test_a_crash_after_the_charge_and_before_the_answer_ends_refunded_with_the_stock_released(shop):
    cloud, stack, base = shop
    before = workload.ledger(cloud, stack, [])["stock"]["mouse"]
    order_id = _order(base, items=[{"sku": "mouse", "quantity": 4, "price": 5}], faults={"crashAfterCharge": True})
    answer = _final(cloud, base, order_id)
    assert answer["status"] == "CANCELLED" and answer["reason"] == "ChargeCrashed"
    assert _held(cloud, stack, order_id) == {"reserved": {}, "payment": "REFUNDED", "charges": 1, "attempts": 1}
    assert workload.ledger(cloud, stack, [])["stock"]["mouse"] == before


def test_an_item_out_of_stock_releases_the_items_already_reserved(shop):
    cloud, stack, base = shop
    before = workload.ledger(cloud, stack, [])["stock"]
    order_id = _order(base, items=[{"sku": "cable", "quantity": 2, "price": 1}, {"sku": "lens", "quantity": 50,
                                                                                   "price": 1}])
    answer = _final(cloud, base, order_id)
    assert answer["status"] == "CANCELLED" and answer["reason"] == "OutOfStock"
    assert "Charge" not in answer["steps"]
    assert workload.ledger(cloud, stack, [])["stock"] == before


def test_an_invalid_order_fails_and_an_unknown_order_is_404(shop):
    cloud, _, base = shop
    order_id = _order(base, items=[{"sku": "mouse", "quantity": 1, "price": "1.001"}])
    assert _final(cloud, base, order_id)["status"] == "FAILED"
    assert call("GET", f"{base}/orders/no-such-order").status == 404
    assert call("POST", f"{base}/orders/no-such-order/approval", {"approved": True}).status == 409


def test_a_quote_is_priced_by_the_express_workflow_inside_the_http_call(shop):
    _, _, base = shop
    answer = call("POST", f"{base}/quotes", {"items": [{"quantity": 3, "price": "25.00"}]})
    assert answer.status == 200
    assert answer.body == {"subtotalCents": 7500, "taxCents": 600, "shippingCents": 0, "totalCents": 8100,
                           "total": "81.00", "currency": "USD"}
    refused = call("POST", f"{base}/quotes", {"items": []})
    assert refused.status == 200 and refused.body == {"error": "InvalidOrder"}


@pytest.fixture(scope="module")
def compared():
    from patterns.order_workflow import comparison

    with Cloud.embedded(clock=VirtualClock()) as cloud:
        return comparison.measure(cloud, cost_orders=3)


def test_the_chained_lambdas_version_leaves_every_failure_half_done_where_the_workflow_compensates(compared):
    from patterns.order_workflow import comparison

    results = {name: both for name, both in compared["scenarios"].items() if name in comparison.SCENARIOS}
    assert {name: (both["workflow"]["status"], both["workflow"]["halfDone"]) for name, both in results.items()} == {
        "declined": ("CANCELLED", False), "transient-failure": ("COMPLETED", False),
        "crash-after-charge": ("CANCELLED", False), "out-of-stock": ("CANCELLED", False)}
    assert all(both["chained"]["status"] == "ERROR (HTTP 502)" and both["chained"]["halfDone"]
               for both in results.values())
    assert results["crash-after-charge"]["chained"]["charges"] == 1  # the money stays taken
    assert len(comparison.table(compared["scenarios"])) == 2 + len(compared["scenarios"])


def test_a_client_retry_charges_once_through_the_workflow_and_twice_through_the_chain(compared):
    retry = compared["scenarios"]["client-retry"]
    assert (retry["workflow"]["status"], retry["workflow"]["charges"]) == ("1 order COMPLETED", 1)
    assert (retry["chained"]["status"], retry["chained"]["charges"]) == ("2 orders COMPLETED", 2)


def test_the_cost_per_thousand_orders_is_priced_by_service_for_both_ways(compared):
    from patterns.order_workflow import comparison

    workflow, chained = compared["cost"]["workflow"], compared["cost"]["chained"]
    assert {"API Gateway", "Step Functions", "Lambda", "DynamoDB", "SNS"} <= set(workflow["byService"])
    assert {"API Gateway", "Lambda", "DynamoDB"} <= set(chained["byService"]) and "Step Functions" not in chained["byService"]
    assert workflow["unpriced"] == chained["unpriced"] == []
    # a small order: Validate, ReserveStock, Reserve, Charge, NeedsApproval, FulfilmentWindow, Ship, Notify, MarkCompleted
    assert workflow["transitionsPerOrder"] == 9
    assert workflow["byService"]["Step Functions"] == pytest.approx(9 * 25.0 / 1e6 * 1000)
    assert workflow["byService"]["API Gateway"] == chained["byService"]["API Gateway"] == pytest.approx(3.5 / 1000)
    assert workflow["total"] == pytest.approx(sum(workflow["byService"].values()))
    assert chained["lambdaGbSecondsPerOrder"] > 0 and workflow["lambdaGbSecondsPerOrder"] > 0
    assert len(comparison.cost_table(compared["cost"])) == 2 + 5 + 3

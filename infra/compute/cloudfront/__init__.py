"""The CloudFront front door: deployed distributions served on local ports.

    door = CloudFrontFrontDoor(client, clock, account_id, region, api_front_door)   # door.handle(id, request)
    server = DistributionServer(door, distribution_id, port).start()                 # server.url

Modules: distribution (the configuration read from the template's DistributionConfig, and what
cannot be honoured), policies (cache and origin request policies, managed ones by id), store
(the records moto cannot keep), cache (TTLs, the edge cache, invalidation), origins (S3 through
the origin access control, API Gateway in-process, HTTP), bucket_access (the bucket policy as S3
evaluates it for CloudFront), invalidations (CreateInvalidation reaching the cache), frontdoor
(the flow), server (one distribution on a socket, through the HTTP front door's server).
"""

from __future__ import annotations

from infra.compute.cloudfront.frontdoor import CloudFrontFrontDoor
from infra.compute.cloudfront.server import DistributionServer

__all__ = ["CloudFrontFrontDoor", "DistributionServer"]

"""One distribution on a socket: the HTTP front door's keep-alive server, answering through the
CloudFront front door."""

from __future__ import annotations



from infra.compute.cloudfront.frontdoor import CloudFrontFrontDoor
from infra.compute.http.messages import HttpRequest, HttpResponse
from infra.compute.http.server import HttpFrontDoorServer


class _OneDistribution:
    def __init__(self, door: CloudFrontFrontDoor, distribution_id: str) -> None:
        self.door, self.distribution_id = door, distribution_id

    def handle(self, request: HttpRequest) -> HttpResponse:
        return self.door.handle(self.distribution_id, request)


class DistributionServer(HttpFrontDoorServer):
    """``DistributionServer(door, distribution_id, port).start()``; ``url``; ``stop()``."""

    def __init__(self, door: CloudFrontFrontDoor, distribution_id: str, port: int = 0, host: str = "127.0.0.1") -> None:
        super().__init__(_OneDistribution(door, distribution_id), port, host)  # type: ignore[arg-type]
        self.distribution_id = distribution_id

    def __repr__(self) -> str:  # pragma: no cover - for people
        return f"<DistributionServer {self.distribution_id} at {self.url}>"



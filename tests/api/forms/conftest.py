from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from leadledger.app import create_app
from tests.api.forms.support import BROWSER


@pytest.fixture
def browser(engine) -> Iterator[TestClient]:  # noqa: ANN001
    """The app as an anonymous website visitor at one address sees it (no token). Redirects are
    not followed, so a test sees the 303 itself."""
    with TestClient(create_app(), client=BROWSER, follow_redirects=False) as client:
        yield client


@pytest.fixture
def visitor_at(engine) -> Callable[[str], TestClient]:  # noqa: ANN001
    """Another visitor, at ``address``."""
    made: list[TestClient] = []

    def at(address: str) -> TestClient:
        client = TestClient(create_app(), client=(address, 40000), follow_redirects=False)
        made.append(client)
        return client

    yield at
    for client in made:
        client.close()

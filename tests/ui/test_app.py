"""The page is served by the app that `mount_ui` returns, before any advisor exists.

Whether the page works is only shown by a real browser (test_browser_advisor.py); these tests pin the
HTTP-level part of the Gradio 6 mount trap: theme and css set, page and config answered with 200.
"""

import pytest
from starlette.testclient import TestClient

from ui.app import CSS, mount_ui
from ui.text import TITLE


def _no_advisor():
    raise AssertionError("serving the page must not need the advisor; only events do")


@pytest.fixture(scope="module")
def client():
    with TestClient(mount_ui(_no_advisor)) as test_client:
        yield test_client


def test_page_is_served_with_its_title(client):
    response = client.get("/")
    assert response.status_code == 200 and TITLE in response.text


def test_config_carries_the_page_css(client):
    config = client.get("/config").json()
    assert config["css"] == CSS and config["title"] == TITLE


def test_theme_stylesheet_is_served(client):
    response = client.get("/theme.css")
    assert response.status_code == 200 and "--" in response.text

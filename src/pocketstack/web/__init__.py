"""The web layer: route tables turned into ASGI apps, with the middleware every API shares."""

from pocketstack.web.app import Dispatcher, ServiceApp
from pocketstack.web.request import Request
from pocketstack.web.response import Response, empty, json_response
from pocketstack.web.routing import Route

__all__ = ["Dispatcher", "Request", "Response", "Route", "ServiceApp", "empty", "json_response"]

"""The message bus (DESIGN §4): cast, call, fanout, notify, serve.

``connect(url)`` picks the backend from the URL: ``memory://`` (in-process, the
all-in-one default) or ``amqp://...`` (RabbitMQ through aio-pika).
"""

from pocketstack.bus.base import Bus, BusTimeout, Endpoint, RemoteError, Subscription, UndeclaredMethod, connect

__all__ = ["Bus", "BusTimeout", "Endpoint", "RemoteError", "Subscription", "UndeclaredMethod", "connect"]

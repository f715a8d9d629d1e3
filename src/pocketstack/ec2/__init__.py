"""The EC2 Query API: a second front door onto compute, network, volume and image.

Requests are signed by AWS clients (Signature Version 4 or 2) with a Keystone EC2
credential; ``auth.py`` has Keystone check the signature (``/v3/ec2tokens``) and the
action then runs with that user's project-scoped token through ``pocketstack.client``,
like any other client of the public APIs. The only data of its own is the mapping of
EC2 ids (``i-``, ``ami-``, ``vol-``, ...) to the OpenStack UUIDs (``ids.py``).
"""

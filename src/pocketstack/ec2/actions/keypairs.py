"""Key pairs: Nova's key pairs under EC2's names."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from pocketstack.client import ApiError
from pocketstack.ec2.actions.common import matches
from pocketstack.ec2.call import Call, api_error
from pocketstack.ec2.errors import Ec2Error


def key_pair_id(call: Call, name: str) -> str:
    return "key-" + hashlib.sha256(f"{call.api.token.user_id}:{name}".encode()).hexdigest()[:17]


def _duplicate(name: str) -> Ec2Error:
    return Ec2Error("InvalidKeyPair.Duplicate", f"The keypair '{name}' already exists.")


async def create_key_pair(call: Call) -> dict[str, Any]:
    name = call.params.require("KeyName")
    try:
        key = await call.api.compute.create_keypair(name)
    except ApiError as exc:
        raise api_error(exc) if exc.status != 409 else _duplicate(name) from None
    return {
        "keyName": name,
        "keyFingerprint": key.get("fingerprint"),
        "keyMaterial": key.get("private_key"),
        "keyPairId": key_pair_id(call, name),
    }


async def import_key_pair(call: Call) -> dict[str, Any]:
    name = call.params.require("KeyName")
    material = call.params.require("PublicKeyMaterial")
    try:
        public = base64.b64decode(material, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        # The CLI's file:// sends the key itself; SDKs send it base64-encoded.
        public = material
    try:
        key = await call.api.compute.create_keypair(name, public.strip())
    except ApiError as exc:
        if exc.status == 409:
            raise _duplicate(name) from None
        if exc.status == 400:
            raise Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format") from None
        raise api_error(exc) from None
    return {"keyName": name, "keyFingerprint": key.get("fingerprint"), "keyPairId": key_pair_id(call, name)}


async def describe_key_pairs(call: Call) -> dict[str, Any]:
    keys = await call.api.compute.keypairs()
    names = call.params.strings("KeyName")
    ids = call.params.strings("KeyPairId")
    known = {k["name"] for k in keys}
    for name in names:
        if name not in known:
            raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{name}' does not exist")
    filters = call.params.filters()
    out = []
    for key in sorted(keys, key=lambda k: str(k["name"])):
        name = str(key["name"])
        ident = key_pair_id(call, name)
        if (names and name not in names) or (ids and ident not in ids):
            continue
        values = {"key-name": [name], "fingerprint": [str(key.get("fingerprint"))], "key-pair-id": [ident]}
        if matches(filters, values, {}):
            item = {
                "keyPairId": ident,
                "keyName": name,
                "keyFingerprint": key.get("fingerprint"),
                "keyType": "ed25519" if str(key.get("public_key", "")).startswith("ssh-ed25519") else "rsa",
            }
            if call.params.bool("IncludePublicKey"):
                item["publicKey"] = key.get("public_key")
            out.append(item)
    if ids and not out:
        raise Ec2Error("InvalidKeyPair.NotFound", f"The key pair '{ids[0]}' does not exist")
    return {"keySet": out}


async def delete_key_pair(call: Call) -> dict[str, Any]:
    name = call.params.get("KeyName")
    if not name:
        ident = call.params.get("KeyPairId")
        if not ident:
            raise Ec2Error("MissingParameter", "The request must contain the parameter KeyName or KeyPairId")
        name = next(
            (str(k["name"]) for k in await call.api.compute.keypairs() if key_pair_id(call, k["name"]) == ident), ""
        )
    if name:
        try:
            await call.api.compute.delete_keypair(name)
        except ApiError as exc:
            # EC2 answers true for a key that is not there.
            if exc.status != 404:
                raise api_error(exc) from None
    return {"return": True}

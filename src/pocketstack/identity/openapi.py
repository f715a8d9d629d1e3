"""The request bodies of the identity API (Keystone v3), for its OpenAPI document.

Each entry is the JSON Schema the route's handler validates its body with;
``UNCHECKED`` marks a JSON body the handler checks in code (any JSON may be sent).
Routes that take no body are not listed.
"""

from __future__ import annotations

from pocketstack.identity import schemas
from pocketstack.web.openapi import UNCHECKED, Body, RequestBodies, Responses, any_of

REQUEST_BODIES: RequestBodies = {
    ("POST", "/v3/auth/tokens"): schemas.AUTH,
    ("POST", "/v3/domains"): schemas.DOMAIN_CREATE,
    ("PATCH", "/v3/domains/{domain_id}"): schemas.DOMAIN_UPDATE,
    ("PUT", "/v3/domains/{domain_id}/config"): schemas.DOMAIN_CONFIG,
    ("POST", "/v3/projects"): schemas.PROJECT_CREATE,
    ("PATCH", "/v3/projects/{project_id}"): schemas.PROJECT_UPDATE,
    ("PUT", "/v3/projects/{project_id}/tags/{tag}"): schemas.TAGS,
    ("POST", "/v3/users"): schemas.USER_CREATE,
    ("PATCH", "/v3/users/{user_id}"): schemas.USER_UPDATE,
    ("POST", "/v3/users/{user_id}/password"): schemas.USER_PASSWORD,
    ("POST", "/v3/users/{user_id}/application_credentials"): schemas.APP_CRED_CREATE,
    ("POST", "/v3/users/{user_id}/credentials/OS-EC2"): schemas.EC2_CREATE,
    ("POST", "/v3/credentials"): schemas.CREDENTIAL_CREATE,
    ("PATCH", "/v3/credentials/{credential_id}"): schemas.CREDENTIAL_UPDATE,
    ("POST", "/v3/groups"): schemas.GROUP_CREATE,
    ("PATCH", "/v3/groups/{group_id}"): schemas.GROUP_UPDATE,
    ("POST", "/v3/roles"): schemas.ROLE_CREATE,
    ("PATCH", "/v3/roles/{role_id}"): schemas.ROLE_UPDATE,
    ("POST", "/v3/registered_limits"): schemas.REGISTERED_LIMITS_CREATE,
    ("PATCH", "/v3/registered_limits/{registered_limit_id}"): schemas.REGISTERED_LIMIT_UPDATE,
    ("POST", "/v3/limits"): schemas.LIMITS_CREATE,
    ("PATCH", "/v3/limits/{limit_id}"): schemas.LIMIT_UPDATE,
    ("POST", "/v3/policies"): schemas.POLICY_CREATE,
    ("PATCH", "/v3/policies/{policy_id}"): schemas.POLICY_UPDATE,
    ("POST", "/v3/OS-EP-FILTER/endpoint_groups"): schemas.ENDPOINT_GROUP_CREATE,
    ("PATCH", "/v3/OS-EP-FILTER/endpoint_groups/{endpoint_group_id}"): schemas.ENDPOINT_GROUP_UPDATE,
    ("POST", "/v3/OS-OAUTH1/consumers"): schemas.CONSUMER_CREATE,
    ("PATCH", "/v3/OS-OAUTH1/consumers/{consumer_id}"): schemas.CONSUMER_UPDATE,
    ("POST", "/v3/OS-TRUST/trusts"): schemas.TRUST_CREATE,
    ("POST", "/v3/regions"): schemas.REGION,
    ("PUT", "/v3/regions/{region_id}"): schemas.REGION,
    ("PATCH", "/v3/regions/{region_id}"): schemas.REGION,
    ("POST", "/v3/services"): schemas.SERVICE_CREATE,
    ("PATCH", "/v3/services/{service_id}"): schemas.SERVICE_UPDATE,
    ("POST", "/v3/endpoints"): schemas.ENDPOINT_CREATE,
    ("PATCH", "/v3/endpoints/{endpoint_id}"): schemas.ENDPOINT_UPDATE,
    ("PATCH", "/v3/domains/{domain_id}/config"): any_of(
        schemas.DOMAIN_CONFIG, schemas.DOMAIN_CONFIG_GROUP, schemas.DOMAIN_CONFIG_OPTION
    ),
    ("PATCH", "/v3/domains/{domain_id}/config/{group}"): any_of(
        schemas.DOMAIN_CONFIG, schemas.DOMAIN_CONFIG_GROUP, schemas.DOMAIN_CONFIG_OPTION
    ),
    ("PATCH", "/v3/domains/{domain_id}/config/{group}/{option}"): any_of(
        schemas.DOMAIN_CONFIG, schemas.DOMAIN_CONFIG_GROUP, schemas.DOMAIN_CONFIG_OPTION
    ),
    ("POST", "/v3/ec2tokens"): UNCHECKED,  # ec2tokens.issue
    ("PUT", "/v3/projects/{project_id}/tags"): UNCHECKED,  # projects.replace_tags
    ("PUT", "/v3/OS-OAUTH1/authorize/{request_token_id}"): UNCHECKED,  # oauth1.authorize
    ("POST", "/v3/OS-OAUTH2/token"): Body(
        {
            "type": "object",
            "properties": {"grant_type": {"type": "string"}, "client_id": {"type": "string"}},
            "additionalProperties": {"type": "string"},
        },
        "application/x-www-form-urlencoded",
    ),
}

# The OAuth 2.0 token endpoint answers its errors in OAuth's shape, not Keystone's.
_OAUTH2_ERROR = {
    "description": "OAuth 2.0 error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["error", "error_description"],
                "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
            }
        }
    },
}
RESPONSES: Responses = {("POST", "/v3/OS-OAUTH2/token"): {"400": _OAUTH2_ERROR, "401": _OAUTH2_ERROR}}

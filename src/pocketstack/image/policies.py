"""The image service's policy rules: Glance's names and its secure-RBAC defaults
(Glance's "Policy" reference: ``glance/policies``).

Targets: an image's ``project_id`` is its owner (as Glance's ImageTarget maps it),
``owner`` the owner asked for on create, ``member_id`` the project whose membership is
concerned, ``visibility`` the image's or namespace's visibility.
"""

from __future__ import annotations

from pocketstack.common.policy import RuleDefault

ADMIN = "rule:context_is_admin"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
PROJECT_READER = "role:reader and project_id:%(project_id)s"
ADMIN_OR_PROJECT_MEMBER = f"{ADMIN} or ({PROJECT_MEMBER})"
ADMIN_OR_PROJECT_READER = f"{ADMIN} or ({PROJECT_READER})"
_SEEN = (
    "project_id:%(project_id)s or project_id:%(member_id)s or 'community':%(visibility)s"
    " or 'public':%(visibility)s or 'shared':%(visibility)s"
)
ADMIN_OR_PROJECT_READER_GET_IMAGE = f"{ADMIN} or (role:reader and ({_SEEN}))"
ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE = f"{ADMIN} or (role:member and ({_SEEN}))"
ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE = f"{ADMIN} or ({PROJECT_MEMBER} and project_id:%(owner)s)"
ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER = (
    f"{ADMIN} or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s))"
)
ADMIN_OR_SHARED_MEMBER = f"{ADMIN} or (role:member and project_id:%(member_id)s)"
READ_NS = ADMIN_OR_PROJECT_READER_GET_NAMESPACE = (
    f"{ADMIN} or (role:reader and (project_id:%(project_id)s or 'public':%(visibility)s))"
)
METADEF_ADMIN = "rule:metadef_admin"

IMAGE = "/v2/images/{image_id}"
NS = "/v2/metadefs/namespaces/{namespace_name}"


def _rule(name: str, check: str, description: str, *operations: str) -> RuleDefault:
    return RuleDefault(name, check, description, operations)


RULES = [
    _rule("default", "", "The rule of policies that historically had an empty rule."),
    _rule("context_is_admin", "role:admin", "Who is an administrator (the is_admin:True check)."),
    _rule("service_api", "role:service or role:admin", "Default rule for the service-to-service API."),
    # Images
    _rule("add_image", ADMIN_OR_PROJECT_MEMBER_CREATE_IMAGE, "Create new image", "POST /v2/images"),
    _rule("delete_image", ADMIN_OR_PROJECT_MEMBER, "Deletes the image", f"DELETE {IMAGE}"),
    _rule("get_image", ADMIN_OR_PROJECT_READER_GET_IMAGE, "Get specified image", f"GET {IMAGE}"),
    _rule("get_images", ADMIN_OR_PROJECT_READER, "Get all available images", "GET /v2/images"),
    _rule("modify_image", ADMIN_OR_PROJECT_MEMBER, "Updates given image", f"PATCH {IMAGE}"),
    _rule("publicize_image", "role:admin", "Publicize given image", f"PATCH {IMAGE}"),
    _rule("communitize_image", ADMIN_OR_PROJECT_MEMBER, "Communitize given image", f"PATCH {IMAGE}"),
    _rule("download_image", ADMIN_OR_PROJECT_MEMBER_DOWNLOAD_IMAGE, "Downloads given image", f"GET {IMAGE}/file"),
    _rule("upload_image", ADMIN_OR_PROJECT_MEMBER, "Uploads data to specified image", f"PUT {IMAGE}/file"),
    _rule("delete_image_location", "role:admin", "Deletes the location of given image", f"PATCH {IMAGE}"),
    _rule("get_image_location", ADMIN_OR_PROJECT_READER, "Reads the location of the image", f"GET {IMAGE}"),
    _rule("set_image_location", ADMIN_OR_PROJECT_MEMBER, "Sets location URI to given image", f"PATCH {IMAGE}"),
    _rule("add_member", ADMIN_OR_PROJECT_MEMBER, "Create image member", f"POST {IMAGE}/members"),
    _rule("delete_member", ADMIN_OR_PROJECT_MEMBER, "Delete image member", f"DELETE {IMAGE}/members/{{member_id}}"),
    _rule(
        "get_member",
        ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER,
        "Show image member details",
        f"GET {IMAGE}/members/{{member_id}}",
    ),
    _rule("get_members", ADMIN_OR_PROJECT_READER_OR_SHARED_MEMBER, "List image members", f"GET {IMAGE}/members"),
    _rule("modify_member", ADMIN_OR_SHARED_MEMBER, "Update image member", f"PUT {IMAGE}/members/{{member_id}}"),
    _rule("manage_image_cache", "role:admin", "Manage image cache"),
    _rule("deactivate", ADMIN_OR_PROJECT_MEMBER, "Deactivate image", f"POST {IMAGE}/actions/deactivate"),
    _rule("reactivate", ADMIN_OR_PROJECT_MEMBER, "Reactivate image", f"POST {IMAGE}/actions/reactivate"),
    _rule("copy_image", "role:admin", "Copy existing image to other stores", f"POST {IMAGE}/import"),
    # Tasks: tasks_api_access guards the tasks API as a whole; the others are Glance's
    # internal, non-granular task rules.
    _rule("get_task", "rule:default", "Get an image task.", "GET /v2/tasks/{task_id}"),
    _rule("get_tasks", "rule:default", "List tasks for all images.", "GET /v2/tasks"),
    _rule("add_task", "rule:default", "Create a task.", "POST /v2/tasks"),
    _rule("modify_task", "rule:default", "This policy is not used.", "DELETE /v2/tasks/{task_id}"),
    _rule("tasks_api_access", "role:admin", "Access to the tasks API at all.", "GET /v2/tasks", "POST /v2/tasks"),
    # Metadata definitions
    _rule("metadef_default", "", "Default rule of the metadata definitions API."),
    _rule("metadef_admin", "role:admin", "Who changes metadata definitions."),
    _rule("get_metadef_namespace", ADMIN_OR_PROJECT_READER_GET_NAMESPACE, "Get a specific namespace.", f"GET {NS}"),
    _rule("get_metadef_namespaces", ADMIN_OR_PROJECT_READER, "List namespace.", "GET /v2/metadefs/namespaces"),
    _rule("modify_metadef_namespace", METADEF_ADMIN, "Modify an existing namespace.", f"PUT {NS}"),
    _rule("add_metadef_namespace", METADEF_ADMIN, "Create a namespace.", "POST /v2/metadefs/namespaces"),
    _rule("delete_metadef_namespace", METADEF_ADMIN, "Delete a namespace.", f"DELETE {NS}"),
    _rule(
        "get_metadef_object",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "Get a specific object from a namespace.",
        f"GET {NS}/objects/{{object_name}}",
    ),
    _rule(
        "get_metadef_objects",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "Get objects from a namespace.",
        f"GET {NS}/objects",
    ),
    _rule(
        "modify_metadef_object",
        METADEF_ADMIN,
        "Update an object within a namespace.",
        f"PUT {NS}/objects/{{object_name}}",
    ),
    _rule("add_metadef_object", METADEF_ADMIN, "Create an object within a namespace.", f"POST {NS}/objects"),
    _rule(
        "delete_metadef_object",
        METADEF_ADMIN,
        "Delete an object within a namespace.",
        f"DELETE {NS}/objects/{{object_name}}",
    ),
    _rule(
        "list_metadef_resource_types",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "List meta definition resource types.",
        "GET /v2/metadefs/resource_types",
    ),
    _rule(
        "get_metadef_resource_type",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "Get meta definition resource types associations.",
        f"GET {NS}/resource_types",
    ),
    _rule(
        "add_metadef_resource_type_association",
        METADEF_ADMIN,
        "Create meta definition resource types association.",
        f"POST {NS}/resource_types",
    ),
    _rule(
        "remove_metadef_resource_type_association",
        METADEF_ADMIN,
        "Delete meta definition resource types association.",
        f"DELETE {NS}/resource_types/{{name}}",
    ),
    _rule(
        "get_metadef_property",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "Get a specific meta definition property.",
        f"GET {NS}/properties/{{property_name}}",
    ),
    _rule(
        "get_metadef_properties",
        ADMIN_OR_PROJECT_READER_GET_NAMESPACE,
        "List meta definition properties.",
        f"GET {NS}/properties",
    ),
    _rule(
        "modify_metadef_property",
        METADEF_ADMIN,
        "Update meta definition property.",
        f"PUT {NS}/properties/{{property_name}}",
    ),
    _rule("add_metadef_property", METADEF_ADMIN, "Create meta definition property.", f"POST {NS}/properties"),
    _rule(
        "remove_metadef_property",
        METADEF_ADMIN,
        "Delete meta definition property.",
        f"DELETE {NS}/properties/{{property_name}}",
    ),
    _rule(
        "get_metadef_tag", ADMIN_OR_PROJECT_READER_GET_NAMESPACE, "Get tag definition.", f"GET {NS}/tags/{{tag_name}}"
    ),
    _rule("get_metadef_tags", ADMIN_OR_PROJECT_READER_GET_NAMESPACE, "List tag definitions.", f"GET {NS}/tags"),
    _rule("modify_metadef_tag", METADEF_ADMIN, "Update tag definition.", f"PUT {NS}/tags/{{tag_name}}"),
    _rule("add_metadef_tag", METADEF_ADMIN, "Add tag definition.", f"POST {NS}/tags/{{tag_name}}"),
    _rule("add_metadef_tags", METADEF_ADMIN, "Create tag definitions.", f"POST {NS}/tags"),
    _rule("delete_metadef_tag", METADEF_ADMIN, "Delete tag definition.", f"DELETE {NS}/tags/{{tag_name}}"),
    _rule("delete_metadef_tags", METADEF_ADMIN, "Delete tag definitions.", f"DELETE {NS}/tags"),
]

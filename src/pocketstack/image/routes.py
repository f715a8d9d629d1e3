"""The image API's route table (Glance v2), mounted under /image."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from pocketstack.image.deps import ImageDeps
from pocketstack.image.handlers import discovery, image_data, images, members, metadefs, tags, tasks
from pocketstack.web import Request, Response, Route

DepsHandler = Callable[[ImageDeps, Request], Awaitable[Response]]


def routes(deps: ImageDeps) -> list[Route]:
    def r(method: str, pattern: str, handler: DepsHandler, **kw: object) -> Route:
        return Route(method, pattern, partial(handler, deps), **kw)  # type: ignore[arg-type]

    ns = "/v2/metadefs/namespaces/{namespace}"
    return [
        r("GET", "/", discovery.versions, auth=False),
        r("GET", "/versions", discovery.versions_list, auth=False),
        r("GET", "/v2", discovery.versions_list, auth=False),
        r("GET", "/v2/", discovery.versions_list, auth=False),
        r("GET", "/v2/schemas/image", discovery.schema_image),
        r("GET", "/v2/schemas/images", discovery.schema_images),
        r("GET", "/v2/schemas/member", discovery.schema_member),
        r("GET", "/v2/schemas/members", discovery.schema_members),
        r("GET", "/v2/schemas/task", discovery.schema_task),
        r("GET", "/v2/schemas/tasks", discovery.schema_tasks),
        r("GET", "/v2/info/import", discovery.info_import),
        r("GET", "/v2/info/stores", discovery.info_stores),
        r("GET", "/v2/info/usage", discovery.info_usage),
        r("POST", "/v2/images", images.create),
        r("GET", "/v2/images", images.index),
        r("GET", "/v2/images/{image_id}", images.show),
        r("PATCH", "/v2/images/{image_id}", images.update),
        r("DELETE", "/v2/images/{image_id}", images.delete),
        r("POST", "/v2/images/{image_id}/actions/deactivate", images.deactivate),
        r("POST", "/v2/images/{image_id}/actions/reactivate", images.reactivate),
        # Data streams through the handler: no body limit, never buffered whole.
        r("PUT", "/v2/images/{image_id}/file", image_data.upload, body_limit=0),
        r("GET", "/v2/images/{image_id}/file", image_data.download),
        r("PUT", "/v2/images/{image_id}/stage", image_data.stage, body_limit=0),
        r("POST", "/v2/images/{image_id}/import", image_data.import_image),
        r("GET", "/v2/images/{image_id}/tasks", tasks.image_tasks),
        r("POST", "/v2/tasks", tasks.create),
        r("GET", "/v2/tasks", tasks.index),
        r("GET", "/v2/tasks/{task_id}", tasks.show),
        r("PUT", "/v2/images/{image_id}/tags/{tag}", tags.add),
        r("DELETE", "/v2/images/{image_id}/tags/{tag}", tags.delete),
        r("POST", "/v2/images/{image_id}/members", members.create),
        r("GET", "/v2/images/{image_id}/members", members.index),
        r("GET", "/v2/images/{image_id}/members/{member_id}", members.show),
        r("PUT", "/v2/images/{image_id}/members/{member_id}", members.update),
        r("DELETE", "/v2/images/{image_id}/members/{member_id}", members.delete),
        # The metadata definitions catalog.
        r("GET", "/v2/schemas/metadefs/{name}", metadefs.schema),
        r("GET", "/v2/metadefs/resource_types", metadefs.resource_types_index),
        r("GET", "/v2/metadefs/namespaces", metadefs.namespaces_index),
        r("POST", "/v2/metadefs/namespaces", metadefs.namespaces_create),
        r("GET", ns, metadefs.namespaces_show),
        r("PUT", ns, metadefs.namespaces_update),
        r("DELETE", ns, metadefs.namespaces_delete),
        r("GET", f"{ns}/resource_types", metadefs.associations_index),
        r("POST", f"{ns}/resource_types", metadefs.associations_create),
        r("DELETE", f"{ns}/resource_types/{{resource_type}}", metadefs.associations_delete),
        r("GET", f"{ns}/objects", metadefs.objects_index),
        r("POST", f"{ns}/objects", metadefs.objects_create),
        r("DELETE", f"{ns}/objects", metadefs.objects_delete_all),
        r("GET", f"{ns}/objects/{{object_name}}", metadefs.objects_show),
        r("PUT", f"{ns}/objects/{{object_name}}", metadefs.objects_update),
        r("DELETE", f"{ns}/objects/{{object_name}}", metadefs.objects_delete),
        r("GET", f"{ns}/properties", metadefs.properties_index),
        r("POST", f"{ns}/properties", metadefs.properties_create),
        r("DELETE", f"{ns}/properties", metadefs.properties_delete_all),
        r("GET", f"{ns}/properties/{{property_name}}", metadefs.properties_show),
        r("PUT", f"{ns}/properties/{{property_name}}", metadefs.properties_update),
        r("DELETE", f"{ns}/properties/{{property_name}}", metadefs.properties_delete),
        r("GET", f"{ns}/tags", metadefs.tags_index),
        r("POST", f"{ns}/tags", metadefs.tags_create_many),
        r("DELETE", f"{ns}/tags", metadefs.tags_delete_all),
        r("GET", f"{ns}/tags/{{tag_name}}", metadefs.tags_show),
        r("POST", f"{ns}/tags/{{tag_name}}", metadefs.tags_create),
        r("PUT", f"{ns}/tags/{{tag_name}}", metadefs.tags_update),
        r("DELETE", f"{ns}/tags/{{tag_name}}", metadefs.tags_delete),
    ]

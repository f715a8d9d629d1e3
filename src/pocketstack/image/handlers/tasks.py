"""Tasks: an image's import tasks, and the (admin-only, legacy) tasks API."""

from __future__ import annotations

from urllib.parse import urlencode

from pocketstack.common.errors import Invalid
from pocketstack.image import tasks, views
from pocketstack.image.deps import ImageDeps
from pocketstack.web import Request, Response, json_response


async def image_tasks(deps: ImageDeps, request: Request) -> Response:
    rows = await tasks.for_image(deps.db, request.context, request.path_params["image_id"])
    return json_response({"tasks": [views.image_task(t) for t in rows]})


async def create(deps: ImageDeps, request: Request) -> Response:
    task = await tasks.create(deps.db, request.context, await request.json())
    return json_response(views.task(task), 201, headers=[("location", f"/v2/tasks/{task.id}")])


async def show(deps: ImageDeps, request: Request) -> Response:
    return json_response(views.task(await tasks.show(deps.db, request.context, request.path_params["task_id"])))


async def index(deps: ImageDeps, request: Request) -> Response:
    limit = request.int_param("limit", tasks.DEFAULT_LIMIT)
    assert limit is not None
    if limit < 0:
        raise Invalid("limit param must be positive")
    query = tasks.TaskQuery(
        limit=min(limit, tasks.MAX_LIMIT),
        marker=request.param("marker"),
        sort_key=request.param("sort_key") or "created_at",
        sort_dir=request.param("sort_dir") or "desc",
        status=request.param("status"),
        type=request.param("type"),
    )
    rows, next_marker = await tasks.list_tasks(deps.db, request.context, query)
    params = [(k, v) for k, values in request.query.items() if k != "marker" for v in values]
    body: dict[str, object] = {
        "tasks": [views.task_stub(t) for t in rows],
        "first": "/v2/tasks" + (f"?{urlencode(params)}" if params else ""),
        "schema": "/v2/schemas/tasks",
    }
    if next_marker is not None:
        body["next"] = "/v2/tasks?" + urlencode([*params, ("marker", next_marker)])
    return json_response(body)

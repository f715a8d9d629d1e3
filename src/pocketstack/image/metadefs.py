"""The metadata definitions catalog: namespaces and the definitions they hold.

A namespace (``OS::Compute::Hypervisor``) groups property definitions, objects (named
groups of properties), tags, and associations with the resource types its properties
apply to (``OS::Glance::Image``, maybe with a name prefix such as ``hw_``). Glance's
default rules: only an admin writes; anyone reads public namespaces and their
contents, a project its own private ones, and a namespace the caller may not read is
"not found". A protected namespace keeps itself and its contents from deletion.

Domain code: it raises pocketstack.common.errors only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack.common.context import RequestContext
from pocketstack.common.errors import Conflict, Forbidden, Invalid, NotFound
from pocketstack.common.timeutils import utcnow
from pocketstack.db import Database
from pocketstack.image import policy
from pocketstack.image.metadef_access import (
    SORT_KEYS,
    Association,
    NamespaceDetail,
    NamespaceQuery,
    check_admin,
    check_name,
    check_unprotected,
    flush,
    load,
    readable_filter,
    writable,
)
from pocketstack.image.metadef_schemas import NAMESPACE_VISIBILITIES
from pocketstack.image.models import (
    MetadefAssociation,
    MetadefNamespace,
    MetadefObject,
    MetadefProperty,
    MetadefResourceType,
    MetadefTag,
)

# -- namespaces -------------------------------------------------------------------------


async def list_namespaces(
    db: Database, ctx: RequestContext, query: NamespaceQuery
) -> tuple[list[NamespaceDetail], str | None]:
    if query.sort_key not in SORT_KEYS:
        raise Invalid(f"Invalid sort key: {query.sort_key!r}. It is not among {', '.join(sorted(SORT_KEYS))}.")
    if query.sort_dir not in ("asc", "desc"):
        raise Invalid(f"Invalid sort direction: {query.sort_dir!r}. Use 'asc' or 'desc'.")
    if query.visibility is not None and query.visibility not in NAMESPACE_VISIBILITIES:
        raise Invalid(f"Invalid visibility value: {query.visibility!r}. Use public or private.")
    policy.enforce(ctx, "get_metadef_namespaces")
    column = SORT_KEYS[query.sort_key]
    order = [column.desc(), MetadefNamespace.id.desc()] if query.sort_dir == "desc" else [column, MetadefNamespace.id]
    stmt = select(MetadefNamespace).order_by(*order)
    readable = readable_filter(ctx)
    if readable is not None:
        stmt = stmt.where(readable)
    if query.visibility is not None:
        stmt = stmt.where(MetadefNamespace.visibility == query.visibility)
    for name in query.resource_types:
        stmt = stmt.where(
            exists().where(
                MetadefAssociation.namespace_id == MetadefNamespace.id,
                MetadefAssociation.resource_type_id == MetadefResourceType.id,
                MetadefResourceType.name == name,
            )
        )
    async with db.reader() as session:
        rows = list((await session.scalars(stmt)).all())
        if query.marker is not None:
            names = [r.namespace for r in rows]
            if query.marker not in names:
                raise NotFound(f"Metadata definition namespace={query.marker} was not found.")
            rows = rows[names.index(query.marker) + 1 :]
        page = rows[: query.limit]
        details = [NamespaceDetail(ns, await _associations(session, ns.id)) for ns in page]
    more = len(rows) > query.limit
    return details, (page[-1].namespace if more and page else None)


async def create_namespace(db: Database, ctx: RequestContext, body: dict[str, Any]) -> NamespaceDetail:
    check_admin(ctx, "add_metadef_namespace")
    now = utcnow()
    async with db.writer() as session:
        ns = MetadefNamespace(
            namespace=check_name(body["namespace"], "namespace"),
            display_name=body.get("display_name"),
            description=body.get("description"),
            visibility=body.get("visibility", "private"),
            protected=body.get("protected", False),
            owner=body.get("owner") or ctx.project_id or "",
            created_at=now,
            updated_at=now,
        )
        session.add(ns)
        await flush(session, f"A metadata definition namespace with name={ns.namespace} already exists.")
        detail = NamespaceDetail(ns)
        for assoc in body.get("resource_type_associations", []):
            detail.associations.append(await _associate(session, ns, assoc))
        for name, definition in body.get("properties", {}).items():
            detail.properties.append(await _add_property(session, ns, name, definition))
        for obj in body.get("objects", []):
            detail.objects.append(await _add_object(session, ns, obj))
        for tag in body.get("tags", []):
            detail.tags.append(await _add_tag(session, ns, tag["name"]))
    return detail


async def show_namespace(db: Database, ctx: RequestContext, name: str) -> NamespaceDetail:
    async with db.reader() as session:
        ns = await load(session, ctx, name)
        return NamespaceDetail(
            ns,
            await _associations(session, ns.id),
            await _in_namespace(session, MetadefProperty, ns.id),
            await _in_namespace(session, MetadefObject, ns.id),
            await _in_namespace(session, MetadefTag, ns.id),
        )


async def update_namespace(db: Database, ctx: RequestContext, name: str, body: dict[str, Any]) -> MetadefNamespace:
    """PUT replaces the namespace's own fields; omitted ones take their defaults (as Glance)."""
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "modify_metadef_namespace")
        ns.namespace = check_name(body["namespace"], "namespace")
        ns.display_name = body.get("display_name")
        ns.description = body.get("description")
        ns.visibility = body.get("visibility") or "private"
        ns.protected = body.get("protected") or False
        ns.owner = body.get("owner") or ctx.project_id or ns.owner
        ns.updated_at = utcnow()
        await flush(session, f"A metadata definition namespace with name={ns.namespace} already exists.")
        return ns


async def delete_namespace(db: Database, ctx: RequestContext, name: str) -> None:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "delete_metadef_namespace")
        if ns.protected:
            raise Forbidden(f"Namespace {name} is protected and cannot be deleted.")
        await session.execute(sql_delete(MetadefNamespace).where(MetadefNamespace.id == ns.id))


async def _in_namespace(session: AsyncSession, model: Any, namespace_id: int) -> list[Any]:
    stmt = select(model).where(model.namespace_id == namespace_id).order_by(model.created_at, model.id)
    return list((await session.scalars(stmt)).all())


async def _named(session: AsyncSession, model: Any, ns: MetadefNamespace, name: str, kind: str) -> Any:
    row = await session.scalar(select(model).where(model.namespace_id == ns.id, model.name == name))
    if row is None:
        raise NotFound(f"Metadata definition {kind} not found for namespace={ns.namespace}, name={name}.")
    return row


async def delete_contents(db: Database, ctx: RequestContext, name: str, model: Any, what: str) -> None:
    """DELETE .../objects, .../properties or .../tags: all of that kind in the namespace."""
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "delete_metadef_tags" if what == "tags" else "delete_metadef_namespace")
        check_unprotected(ns, what)
        await session.execute(sql_delete(model).where(model.namespace_id == ns.id))


# -- properties -------------------------------------------------------------------------


def _definition(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "name"}


async def _add_property(
    session: AsyncSession, ns: MetadefNamespace, name: str, definition: dict[str, Any]
) -> MetadefProperty:
    now = utcnow()
    row = MetadefProperty(
        namespace_id=ns.id,
        name=check_name(name, "property"),
        definition=_definition(definition),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush(session, f"A metadata definition property with name={name} already exists in namespace={ns.namespace}.")
    return row


async def list_properties(db: Database, ctx: RequestContext, name: str) -> list[MetadefProperty]:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_properties")
        return await _in_namespace(session, MetadefProperty, ns.id)


async def create_property(db: Database, ctx: RequestContext, name: str, body: dict[str, Any]) -> MetadefProperty:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "add_metadef_property")
        return await _add_property(session, ns, body["name"], body)


async def show_property(
    db: Database, ctx: RequestContext, name: str, prop: str, resource_type: str | None
) -> MetadefProperty:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_property")
        if resource_type:
            # The name as the resource type sees it (hw_cpu_cores): strip the association's prefix.
            prefix = await _prefix(session, ns, resource_type)
            if not prefix or not prop.startswith(prefix):
                raise NotFound(
                    f"Property {prop} does not start with the expected resource type association prefix of "
                    f"'{prefix or ''}'."
                )
            prop = prop[len(prefix) :]
        row: MetadefProperty = await _named(session, MetadefProperty, ns, prop, "property")
        return row


async def update_property(
    db: Database, ctx: RequestContext, name: str, prop: str, body: dict[str, Any]
) -> MetadefProperty:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "modify_metadef_property")
        row: MetadefProperty = await _named(session, MetadefProperty, ns, prop, "property")
        row.name = check_name(body["name"], "property")
        row.definition = _definition(body)
        row.updated_at = utcnow()
        await flush(session, f"A metadata definition property with name={row.name} already exists.")
        return row


async def delete_property(db: Database, ctx: RequestContext, name: str, prop: str) -> None:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "remove_metadef_property")
        row = await _named(session, MetadefProperty, ns, prop, "property")
        check_unprotected(ns, f"property {prop}")
        await session.delete(row)


# -- objects ----------------------------------------------------------------------------


async def _add_object(session: AsyncSession, ns: MetadefNamespace, body: dict[str, Any]) -> MetadefObject:
    now = utcnow()
    row = MetadefObject(
        namespace_id=ns.id,
        name=check_name(body["name"], "object"),
        description=body.get("description"),
        required=body.get("required"),
        properties=body.get("properties") or {},
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush(
        session, f"A metadata definition object with name={row.name} already exists in namespace={ns.namespace}."
    )
    return row


async def list_objects(db: Database, ctx: RequestContext, name: str) -> list[MetadefObject]:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_objects")
        return await _in_namespace(session, MetadefObject, ns.id)


async def create_object(db: Database, ctx: RequestContext, name: str, body: dict[str, Any]) -> MetadefObject:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "add_metadef_object")
        return await _add_object(session, ns, body)


async def show_object(db: Database, ctx: RequestContext, name: str, obj: str) -> MetadefObject:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_object")
        row: MetadefObject = await _named(session, MetadefObject, ns, obj, "object")
        return row


async def update_object(db: Database, ctx: RequestContext, name: str, obj: str, body: dict[str, Any]) -> MetadefObject:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "modify_metadef_object")
        row: MetadefObject = await _named(session, MetadefObject, ns, obj, "object")
        row.name = check_name(body["name"], "object")
        row.description = body.get("description")
        row.required = body.get("required")
        row.properties = body.get("properties") or {}
        row.updated_at = utcnow()
        await flush(session, f"A metadata definition object with name={row.name} already exists.")
        return row


async def delete_object(db: Database, ctx: RequestContext, name: str, obj: str) -> None:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "delete_metadef_object")
        row = await _named(session, MetadefObject, ns, obj, "object")
        check_unprotected(ns, f"object {obj}")
        await session.delete(row)


# -- tags -------------------------------------------------------------------------------


async def _add_tag(session: AsyncSession, ns: MetadefNamespace, name: str) -> MetadefTag:
    now = utcnow()
    row = MetadefTag(namespace_id=ns.id, name=check_name(name, "tag"), created_at=now, updated_at=now)
    session.add(row)
    await flush(session, f"A metadata tag with name={name} already exists in namespace={ns.namespace}.")
    return row


async def list_tags(db: Database, ctx: RequestContext, name: str) -> list[MetadefTag]:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_tags")
        return await _in_namespace(session, MetadefTag, ns.id)


async def create_tags(db: Database, ctx: RequestContext, name: str, names: list[str], append: bool) -> list[str]:
    """POST .../tags: these tags replace the namespace's (or join them with ``append``)."""
    if len(set(names)) != len(names):
        raise Conflict(f"Duplicate tag names in the request for namespace={name}.")
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "add_metadef_tags")
        if not append:
            await session.execute(sql_delete(MetadefTag).where(MetadefTag.namespace_id == ns.id))
        for tag in names:
            await _add_tag(session, ns, tag)
    return names


async def create_tag(db: Database, ctx: RequestContext, name: str, tag: str) -> MetadefTag:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "add_metadef_tag")
        return await _add_tag(session, ns, tag)


async def show_tag(db: Database, ctx: RequestContext, name: str, tag: str) -> MetadefTag:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_tag")
        row: MetadefTag = await _named(session, MetadefTag, ns, tag, "tag")
        return row


async def update_tag(db: Database, ctx: RequestContext, name: str, tag: str, new_name: str) -> MetadefTag:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "modify_metadef_tag")
        row: MetadefTag = await _named(session, MetadefTag, ns, tag, "tag")
        row.name = check_name(new_name, "tag")
        row.updated_at = utcnow()
        await flush(session, f"A metadata tag with name={new_name} already exists in namespace={name}.")
        return row


async def delete_tag(db: Database, ctx: RequestContext, name: str, tag: str) -> None:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "delete_metadef_tag")
        row = await _named(session, MetadefTag, ns, tag, "tag")
        check_unprotected(ns, f"tag {tag}")
        await session.delete(row)


# -- resource types ---------------------------------------------------------------------


async def list_resource_types(db: Database, ctx: RequestContext) -> list[MetadefResourceType]:
    policy.enforce(ctx, "list_metadef_resource_types")
    async with db.reader() as session:
        stmt = select(MetadefResourceType).order_by(MetadefResourceType.id)
        return list((await session.scalars(stmt)).all())


async def _associations(session: AsyncSession, namespace_id: int) -> list[Association]:
    stmt = (
        select(MetadefResourceType.name, MetadefAssociation)
        .join(MetadefResourceType, MetadefResourceType.id == MetadefAssociation.resource_type_id)
        .where(MetadefAssociation.namespace_id == namespace_id)
        .order_by(MetadefAssociation.created_at, MetadefResourceType.id)
    )
    return [Association(name, row) for name, row in (await session.execute(stmt)).all()]


async def _prefix(session: AsyncSession, ns: MetadefNamespace, resource_type: str) -> str | None:
    for assoc in await _associations(session, ns.id):
        if assoc.name == resource_type:
            return assoc.row.prefix
    raise NotFound(f"Resource type {resource_type} is not associated with namespace={ns.namespace}.")


async def _associate(session: AsyncSession, ns: MetadefNamespace, body: dict[str, Any]) -> Association:
    now = utcnow()
    name = check_name(body["name"], "resource type")
    rtype = await session.scalar(select(MetadefResourceType).where(MetadefResourceType.name == name))
    if rtype is None:
        # A resource type is known once something is associated with it (as in Glance).
        rtype = MetadefResourceType(name=name, protected=False, created_at=now, updated_at=now)
        session.add(rtype)
        await session.flush()
    row = MetadefAssociation(
        namespace_id=ns.id,
        resource_type_id=rtype.id,
        prefix=body.get("prefix"),
        properties_target=body.get("properties_target"),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await flush(
        session,
        f"The metadata definition resource type association of namespace={ns.namespace} and "
        f"resource type={name} already exists.",
    )
    return Association(name, row)


async def list_associations(db: Database, ctx: RequestContext, name: str) -> list[Association]:
    async with db.reader() as session:
        ns = await load(session, ctx, name, "get_metadef_resource_type")
        return await _associations(session, ns.id)


async def create_association(db: Database, ctx: RequestContext, name: str, body: dict[str, Any]) -> Association:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "add_metadef_resource_type_association")
        return await _associate(session, ns, body)


async def delete_association(db: Database, ctx: RequestContext, name: str, resource_type: str) -> None:
    async with db.writer() as session:
        ns = await writable(session, ctx, name, "remove_metadef_resource_type_association")
        found = [a for a in await _associations(session, ns.id) if a.name == resource_type]
        if not found:
            raise NotFound(f"Failed to find resource type {resource_type} to delete")
        check_unprotected(ns, f"the association with resource type {resource_type}")
        await session.delete(found[0].row)

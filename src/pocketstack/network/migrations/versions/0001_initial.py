"""Initial network tables: networks, subnets, ports, IP allocations, security groups,
routers, floating IPs, quotas.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _standard() -> list[sa.Column[Any]]:
    return [
        sa.Column("name", sa.String(255), nullable=False, server_default=""),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    op.create_table(
        "network_networks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("external", sa.Boolean(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("mtu", sa.Integer(), nullable=False),
        sa.Column("port_security_enabled", sa.Boolean(), nullable=False),
        sa.Column("network_type", sa.String(32), nullable=False),
        sa.Column("physical_network", sa.String(64)),
        sa.Column("segmentation_id", sa.Integer()),
        *_standard(),
    )
    op.create_table(
        "network_subnets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("network_id", sa.String(36), sa.ForeignKey("network_networks.id"), nullable=False, index=True),
        sa.Column("ip_version", sa.Integer(), nullable=False),
        sa.Column("cidr", sa.String(64), nullable=False),
        sa.Column("gateway_ip", sa.String(64)),
        sa.Column("enable_dhcp", sa.Boolean(), nullable=False),
        sa.Column("allocation_pools", sa.JSON(), nullable=False),
        sa.Column("dns_nameservers", sa.JSON(), nullable=False),
        sa.Column("host_routes", sa.JSON(), nullable=False),
        sa.Column("ipv6_ra_mode", sa.String(32)),
        sa.Column("ipv6_address_mode", sa.String(32)),
        sa.Column("subnetpool_id", sa.String(36)),
        *_standard(),
    )
    op.create_table(
        "network_ports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("network_id", sa.String(36), sa.ForeignKey("network_networks.id"), nullable=False, index=True),
        sa.Column("mac_address", sa.String(32), nullable=False, unique=True),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("device_id", sa.String(255), nullable=False, index=True),
        sa.Column("device_owner", sa.String(255), nullable=False),
        sa.Column("port_security_enabled", sa.Boolean(), nullable=False),
        sa.Column("allowed_address_pairs", sa.JSON(), nullable=False),
        sa.Column("extra_dhcp_opts", sa.JSON(), nullable=False),
        sa.Column("security_groups", sa.JSON(), nullable=False),
        sa.Column("binding_host_id", sa.String(255), nullable=False),
        sa.Column("binding_vif_type", sa.String(64), nullable=False),
        sa.Column("binding_vif_details", sa.JSON(), nullable=False),
        sa.Column("binding_vnic_type", sa.String(32), nullable=False),
        sa.Column("binding_profile", sa.JSON(), nullable=False),
        *_standard(),
    )
    op.create_table(
        "network_ip_allocations",
        sa.Column(
            "subnet_id", sa.String(36), sa.ForeignKey("network_subnets.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("ip_address", sa.String(64), primary_key=True),
        sa.Column(
            "port_id", sa.String(36), sa.ForeignKey("network_ports.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("network_id", sa.String(36), nullable=False, index=True),
    )
    op.create_table(
        "network_security_groups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("stateful", sa.Boolean(), nullable=False),
        *_standard(),
    )
    op.create_table(
        "network_default_security_groups",
        sa.Column("project_id", sa.String(64), primary_key=True),
        sa.Column(
            "security_group_id",
            sa.String(36),
            sa.ForeignKey("network_security_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_table(
        "network_security_group_rules",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column(
            "security_group_id",
            sa.String(36),
            sa.ForeignKey("network_security_groups.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("ethertype", sa.String(8), nullable=False),
        sa.Column("protocol", sa.String(32)),
        sa.Column("port_range_min", sa.Integer()),
        sa.Column("port_range_max", sa.Integer()),
        sa.Column("remote_ip_prefix", sa.String(64)),
        sa.Column("remote_group_id", sa.String(36)),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "network_routers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("admin_state_up", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("gw_network_id", sa.String(36)),
        sa.Column("gw_port_id", sa.String(36)),
        sa.Column("enable_snat", sa.Boolean(), nullable=False),
        sa.Column("routes", sa.JSON(), nullable=False),
        *_standard(),
    )
    op.create_table(
        "network_floating_ips",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64), nullable=False, index=True),
        sa.Column("floating_network_id", sa.String(36), sa.ForeignKey("network_networks.id"), nullable=False),
        sa.Column("floating_ip_address", sa.String(64), nullable=False),
        sa.Column("floating_port_id", sa.String(36), nullable=False),
        sa.Column("port_id", sa.String(36), index=True),
        sa.Column("fixed_ip_address", sa.String(64)),
        sa.Column("router_id", sa.String(36)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("description", sa.String(255), nullable=False, server_default=""),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("revision_number", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "network_quotas",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.UniqueConstraint("project_id", "resource", name="uq_network_quotas_project_id"),
    )


def downgrade() -> None:
    for table in (
        "network_quotas",
        "network_floating_ips",
        "network_routers",
        "network_security_group_rules",
        "network_default_security_groups",
        "network_security_groups",
        "network_ip_allocations",
        "network_ports",
        "network_subnets",
        "network_networks",
    ):
        op.drop_table(table)

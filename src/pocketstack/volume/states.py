"""Volume, snapshot and attachment statuses, and which operations each allows.

Lifecycle: creating -> available -> reserved/attaching -> in-use -> detaching ->
available; deleting (gone, or error_deleting); extending (back where it was, or
error_extending); uploading (back where it was); any failed create -> error.
"""

from __future__ import annotations

CREATING = "creating"
AVAILABLE = "available"
RESERVED = "reserved"
ATTACHING = "attaching"
IN_USE = "in-use"
DETACHING = "detaching"
DELETING = "deleting"
ERROR = "error"
ERROR_DELETING = "error_deleting"
EXTENDING = "extending"
ERROR_EXTENDING = "error_extending"
DOWNLOADING = "downloading"
UPLOADING = "uploading"
MAINTENANCE = "maintenance"
# Offered to another project (a volume transfer exists).
AWAITING_TRANSFER = "awaiting-transfer"
# A backup of it is being made, or one is being restored into it.
BACKING_UP = "backing-up"
RESTORING_BACKUP = "restoring-backup"
# Being put back as it was at a snapshot (3.40).
REVERTING = "reverting"
# Adopted from the backend (shown as creating and error, as Cinder does) or let go of.
MANAGING = "managing"
ERROR_MANAGING = "error_managing"
UNMANAGING = "unmanaging"
# What the API shows for the manage statuses (Cinder's compatibility mapping).
SHOWN = {MANAGING: CREATING, ERROR_MANAGING: ERROR}

VOLUME_STATUSES = (
    CREATING, AVAILABLE, RESERVED, ATTACHING, IN_USE, DETACHING, DELETING, ERROR, ERROR_DELETING,
    EXTENDING, ERROR_EXTENDING, DOWNLOADING, UPLOADING, MAINTENANCE, AWAITING_TRANSFER, REVERTING,
    UNMANAGING, MANAGING, ERROR_MANAGING, BACKING_UP, RESTORING_BACKUP,
)  # fmt: skip

# Statuses a user may delete a volume from (Cinder's list).
DELETABLE = (AVAILABLE, ERROR, ERROR_EXTENDING, "error_restoring", "error_managing")

# Transitional statuses the manager finishes or fails when it restarts.
TRANSITIONAL = (CREATING, DOWNLOADING, DELETING, EXTENDING, UPLOADING, REVERTING, UNMANAGING, MANAGING)

ATTACH_DETACHED = "detached"
ATTACH_ATTACHING = "attaching"
ATTACH_ATTACHED = "attached"
ATTACH_RESERVED = "reserved"

SNAP_CREATING = "creating"
SNAP_AVAILABLE = "available"
SNAP_DELETING = "deleting"
SNAP_ERROR = "error"
SNAP_ERROR_DELETING = "error_deleting"
SNAP_RESTORING = "restoring"
SNAP_MANAGING = "managing"
SNAP_BACKING_UP = "backing-up"
SNAP_UNMANAGING = "unmanaging"
# What the API shows for a snapshot being managed (as Cinder: creating).
SNAP_SHOWN = {SNAP_MANAGING: SNAP_CREATING}
SNAPSHOT_STATUSES = (
    SNAP_CREATING, SNAP_AVAILABLE, SNAP_DELETING, SNAP_ERROR, SNAP_ERROR_DELETING, SNAP_RESTORING,
    SNAP_MANAGING, SNAP_UNMANAGING, SNAP_BACKING_UP,
)  # fmt: skip

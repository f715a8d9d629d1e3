"""The state vocabulary of a server: vm_state (stable), task_state (what is under way),
power_state (what the hypervisor says) and the API ``status`` derived from them."""

from __future__ import annotations

# vm_state
BUILDING = "building"
ACTIVE = "active"
STOPPED = "stopped"
PAUSED = "paused"
SUSPENDED = "suspended"
ERROR = "error"
DELETED = "deleted"
# resized (or cold-migrated) and waiting for confirmResize/revertResize
RESIZED = "resized"
# shelved: powered off with a snapshot image; offloaded: no host holds it any more
SHELVED = "shelved"
SHELVED_OFFLOADED = "shelved_offloaded"
# booted from a rescue image, its own root disk attached
RESCUED = "rescued"

# task_state
SCHEDULING = "scheduling"
NETWORKING = "networking"
BLOCK_DEVICE_MAPPING = "block_device_mapping"
SPAWNING = "spawning"
REBOOTING = "rebooting"
REBOOTING_HARD = "rebooting_hard"
POWERING_OFF = "powering-off"
POWERING_ON = "powering-on"
PAUSING = "pausing"
UNPAUSING = "unpausing"
SUSPENDING = "suspending"
RESUMING = "resuming"
DELETING = "deleting"
# createImage (Nova's order): API -> agent's driver -> upload to the image service
IMAGE_SNAPSHOT = "image_snapshot"
IMAGE_PENDING_UPLOAD = "image_pending_upload"
IMAGE_UPLOADING = "image_uploading"
IMAGE_BACKUP = "image_backup"
# rebuild
REBUILDING = "rebuilding"
REBUILD_SPAWNING = "rebuild_spawning"
# resize and cold migrate (Nova's order), then confirm or revert
RESIZE_PREP = "resize_prep"
RESIZE_MIGRATING = "resize_migrating"
RESIZE_MIGRATED = "resize_migrated"
RESIZE_FINISH = "resize_finish"
RESIZE_REVERTING = "resize_reverting"
RESIZE_CONFIRMING = "resize_confirming"
# shelve, shelveOffload, unshelve
SHELVING = "shelving"
SHELVING_IMAGE_PENDING_UPLOAD = "shelving_image_pending_upload"
SHELVING_IMAGE_UPLOADING = "shelving_image_uploading"
SHELVING_OFFLOADING = "shelving_offloading"
UNSHELVING = "unshelving"
RESCUING = "rescuing"
UNRESCUING = "unrescuing"

# Tasks an agent restarted without their cast simply ends (task_state back to none): the
# power-state sync then shows what the driver did or did not do. Rebuilds, resizes and
# shelving hold more (images, migrations, allocations) and are not among them.
RESETTABLE_TASKS = (
    REBOOTING, REBOOTING_HARD, POWERING_OFF, POWERING_ON, PAUSING, UNPAUSING, SUSPENDING, RESUMING,
    IMAGE_SNAPSHOT, IMAGE_PENDING_UPLOAD, IMAGE_UPLOADING, IMAGE_BACKUP, RESCUING, UNRESCUING,
)  # fmt: skip

# power_state (the numbers Nova's API shows in OS-EXT-STS:power_state)
NOSTATE = 0
RUNNING = 1
PAUSED_POWER = 3
SHUTDOWN = 4
CRASHED = 6
SUSPENDED_POWER = 7

POWER_STATE_NAMES = {
    NOSTATE: "pending",
    RUNNING: "running",
    PAUSED_POWER: "paused",
    SHUTDOWN: "shutdown",
    CRASHED: "crashed",
    SUSPENDED_POWER: "suspended",
}

_STATUS = {
    BUILDING: "BUILD",
    ACTIVE: "ACTIVE",
    STOPPED: "SHUTOFF",
    PAUSED: "PAUSED",
    SUSPENDED: "SUSPENDED",
    ERROR: "ERROR",
    DELETED: "DELETED",
    RESIZED: "VERIFY_RESIZE",
    SHELVED: "SHELVED",
    SHELVED_OFFLOADED: "SHELVED_OFFLOADED",
    RESCUED: "RESCUE",
}

# The status names the API accepts as a list filter, and the vm_states each means.
STATUS_FILTERS: dict[str, list[str]] = {
    "BUILD": [BUILDING],
    "ACTIVE": [ACTIVE],
    "SHUTOFF": [STOPPED],
    "PAUSED": [PAUSED],
    "SUSPENDED": [SUSPENDED],
    "ERROR": [ERROR],
    "DELETED": [DELETED],
    "REBOOT": [ACTIVE],
    "HARD_REBOOT": [ACTIVE],
    "VERIFY_RESIZE": [RESIZED],
    "RESIZE": [ACTIVE, STOPPED],
    "REVERT_RESIZE": [RESIZED],
    "REBUILD": [ACTIVE, STOPPED, ERROR],
    "SHELVED": [SHELVED],
    "SHELVED_OFFLOADED": [SHELVED_OFFLOADED],
    "RESCUE": [RESCUED],
}


_REBUILD_TASKS = (REBUILDING, REBUILD_SPAWNING)
_RESIZE_TASKS = (RESIZE_PREP, RESIZE_MIGRATING, RESIZE_MIGRATED, RESIZE_FINISH)


def status(vm_state: str, task_state: str | None) -> str:
    """The API ``status`` of a server, as Nova derives it."""
    if task_state in _REBUILD_TASKS and vm_state in (ACTIVE, STOPPED, ERROR):
        return "REBUILD"
    if task_state in _RESIZE_TASKS and vm_state in (ACTIVE, STOPPED):
        return "RESIZE"
    if vm_state == RESIZED and task_state == RESIZE_REVERTING:
        return "REVERT_RESIZE"
    if vm_state == ACTIVE and task_state == REBOOTING:
        return "REBOOT"
    if vm_state == ACTIVE and task_state == REBOOTING_HARD:
        return "HARD_REBOOT"
    return _STATUS.get(vm_state, "UNKNOWN")

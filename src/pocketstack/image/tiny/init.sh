#!/bin/sh
# Stage 1, /init of the initramfs (PID 1): load the modules, find the config drive's
# device, then switch_root to the root disk if one is given, else run stage 2 in place.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
[ -x /bin/awk ] || /bin/busybox --install -s 2>/dev/null
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys

while read -r mod; do
    insmod "/lib/modules/$mod.ko" 2>/dev/null
done </lib/modules/core.list

# The config drive is normally a virtio disk; only when none carries the label does the
# slower CD-ROM stack get loaded (libvirt-style IDE cdrom).
if [ -z "$(findfs LABEL=config-2 2>/dev/null)" ] && [ -s /lib/modules/cdrom.list ]; then
    while read -r mod; do
        insmod "/lib/modules/$mod.ko" 2>/dev/null
    done </lib/modules/cdrom.list
    n=0
    while [ ! -b /dev/sr0 ] && [ "$n" -lt 10 ]; do sleep 0.1; n=$((n + 1)); done
fi

# root=/dev/vda or root=LABEL=...; the disk must hold an ext4 file system with /sbin/init.
root=""
for arg in $(cat /proc/cmdline); do
    case "$arg" in root=*) root="${arg#root=}" ;; esac
done
case "$root" in
    LABEL=*|UUID=*) dev=$(findfs "$root" 2>/dev/null) ;;
    /dev/*) dev="$root" ;;
    *) dev="" ;;
esac
if [ -n "$dev" ]; then
    n=0
    while [ ! -b "$dev" ] && [ "$n" -lt 10 ]; do sleep 0.1; n=$((n + 1)); done
    mkdir -p /newroot
    if [ -b "$dev" ] && mount -t ext4 -o rw "$dev" /newroot 2>/dev/null; then
        if [ -x /newroot/sbin/init ]; then
            mkdir -p /newroot/dev /newroot/proc /newroot/sys
            mount --move /dev /newroot/dev
            umount /proc /sys
            exec switch_root /newroot /sbin/init
        fi
        umount /newroot
    fi
    echo "pocketstack-guest: no usable root file system on $dev, staying in the initramfs" >/dev/console
fi
umount /proc /sys
exec /sbin/init

#!/bin/sh
# Stage 2, busybox init's sysinit (on the root disk, or in the initramfs without one):
# reads the config drive, sets the hostname and SSH keys, configures every NIC, and
# prints the boot marker on the serial console. The user-data script runs after this,
# as its own init entry (userdata.sh), so a long script never holds up the marker.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
[ -x /bin/awk ] || /bin/busybox --install -s 2>/dev/null
say() { echo "pocketstack-guest: $*" >/dev/console; }
tab=$(printf '\t')
# get KEY FILE: the value of one flattened JSON path.
get() { awk -F '\t' -v k="$1" '$1 == k { print $2; exit }' "$2" 2>/dev/null; }

[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/class ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp /mnt/config
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
say "root $(awk '$2 == "/" { d = $1 } END { print d }' /proc/mounts)"
ip link set lo up
# busybox acpid turns the ACPI power button (QMP system_powerdown) into a clean poweroff.
[ -d /etc/acpi ] && acpid -l /run/acpid.log -p /run/acpid.pid 2>/dev/null

# The config drive: found by its label, else any ISO 9660 device that has the layout.
drive=$(findfs LABEL=config-2 2>/dev/null)
for dev in $drive /dev/sr0 /dev/vd?; do
    [ -b "$dev" ] || continue
    if mount -t iso9660 -o ro "$dev" /mnt/config 2>/dev/null; then
        [ -d /mnt/config/openstack/latest ] && break
        umount /mnt/config
    fi
done
latest=/mnt/config/openstack/latest
: >/run/meta
: >/run/net
[ -f "$latest/meta_data.json" ] && jsonflat "$latest/meta_data.json" >/run/meta
[ -f "$latest/network_data.json" ] && jsonflat "$latest/network_data.json" >/run/net

name=$(get hostname /run/meta)
[ -n "$name" ] || name=$(get name /run/meta)
[ -n "$name" ] || name=tiny
name=${name%%.*}
hostname "$name"
echo "$name" >/etc/hostname 2>/dev/null

# SSH keys: authorized_keys for whatever sshd the user brings, and the MD5 fingerprint
# (Nova's keypair fingerprint format) on the console so tests can match the keypair.
mkdir -p /root/.ssh && chmod 700 /root/.ssh
awk -F '\t' 'index($1, "public_keys.") == 1 { print substr($1, 13) "\t" $2 }' /run/meta >/run/keys
cut -f2 /run/keys >/root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
while IFS="$tab" read -r keyname key; do
    fp=$(echo "$key" | awk '{ print $2 }' | base64 -d 2>/dev/null | md5sum | cut -c1-32 | sed 's/../&:/g; s/:$//')
    say "key $keyname $fp"
done </run/keys

# static_config MAC: what network_data.json says for the NIC with this MAC, one
# "mtu N", "addr IP NETMASK", "route NET NETMASK GATEWAY" or "dhcp" per line.
static_config() {
    awk -F '\t' -v mac="$1" '
    { v[$1] = $2 }
    END {
        for (l = 0; ("links." l ".id") in v; l++)
            if (tolower(v["links." l ".ethernet_mac_address"]) == mac) break
        if (!(("links." l ".id") in v)) exit
        id = v["links." l ".id"]
        if (v["links." l ".mtu"] ~ /^[0-9]+$/) print "mtu", v["links." l ".mtu"]
        for (k = 0; ("networks." k ".link") in v; k++) {
            p = "networks." k
            if (v[p ".link"] != id) continue
            if (v[p ".type"] != "ipv4") { print "dhcp"; continue }
            print "addr", v[p ".ip_address"], v[p ".netmask"]
            for (r = 0; (p ".routes." r ".gateway") in v; r++)
                print "route", v[p ".routes." r ".network"], v[p ".routes." r ".netmask"], v[p ".routes." r ".gateway"]
        }
    }' /run/net
}

awk -F '\t' '$1 ~ /^services\.[0-9]+\.address$/ { print "nameserver " $2 }' /run/net >/etc/resolv.conf 2>/dev/null
for path in /sys/class/net/*; do
    nic=${path##*/}
    [ "$nic" = lo ] && continue
    ip link set "$nic" up
    static_config "$(cat "$path/address")" >/run/nic.$nic
    while read -r kind a b c; do
        case "$kind" in
            mtu) ip link set "$nic" mtu "$a" ;;
            addr) ip addr add "$a/$(ipcalc -p "$a" "$b" | cut -d= -f2)" dev "$nic" ;;
            route)
                if [ "$a" = 0.0.0.0 ]; then ip route replace default via "$c" dev "$nic"
                else ip route replace "$a/$(ipcalc -p "$a" "$b" | cut -d= -f2)" via "$c" dev "$nic"; fi ;;
        esac
    done </run/nic.$nic
    if ! grep -q '^addr ' /run/nic.$nic; then
        # -b: return once bound (or after the tries) and keep the lease renewed in the background.
        udhcpc -i "$nic" -s /etc/pocketstack/udhcpc -b -t 5 -T 1 -x "hostname:$name" \
            -O staticroutes -O mtu >/dev/null 2>&1 &
    fi
done
wait

ips=$(ip -4 -o addr show scope global | awk '{ split($4, a, "/"); printf "%s%s", sep, a[1]; sep = "," }')
say "up hostname=$name ips=$ips"

#!/bin/sh
# busybox udhcpc only obtains a lease; this script applies it (address, routes, DNS).
[ -n "$interface" ] || exit 1
case "$1" in
    deconfig)
        ip -4 addr flush dev "$interface"
        ip link set "$interface" up
        ;;
    bound|renew)
        [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
        prefix="$mask"
        [ -n "$prefix" ] || prefix=$(ipcalc -p "$ip" "$subnet" | cut -d= -f2)
        if ! ip -4 -o addr show dev "$interface" | grep -q " $ip/$prefix "; then
            ip -4 addr flush dev "$interface"
            ip addr add "$ip/$prefix" ${broadcast:+broadcast "$broadcast"} dev "$interface"
        fi
        metric=$((100 + $(cat "/sys/class/net/$interface/ifindex")))
        if [ -n "$staticroutes" ]; then
            # RFC 3442: with classless routes the router option is ignored.
            set -- $staticroutes
            while [ $# -ge 2 ]; do
                if [ "$2" = "0.0.0.0" ]; then
                    ip route replace "$1" dev "$interface" metric "$metric"
                else
                    ip route replace "$1" via "$2" dev "$interface" metric "$metric"
                fi
                shift 2
            done
        elif [ -n "$router" ]; then
            set -- $router
            ip route replace default via "$1" dev "$interface" metric "$metric"
        fi
        if [ -n "$dns" ]; then
            grep -v "# $interface\$" /etc/resolv.conf 2>/dev/null >/tmp/resolv.$$
            for server in $dns; do echo "nameserver $server # $interface"; done >>/tmp/resolv.$$
            mv /tmp/resolv.$$ /etc/resolv.conf
        fi
        ;;
esac
exit 0

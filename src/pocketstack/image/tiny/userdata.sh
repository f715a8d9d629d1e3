#!/bin/sh
# Runs the config drive's user_data when it is a script (starts with "#!"), its output
# on the serial console, then reports its exit status.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
src=/mnt/config/openstack/latest/user_data
[ -f "$src" ] || exit 0
[ "$(head -c 2 "$src")" = "#!" ] || exit 0
cp "$src" /run/user-data
chmod 700 /run/user-data
/run/user-data </dev/null >/dev/console 2>&1
echo "pocketstack-guest: user-data exit=$?" >/dev/console

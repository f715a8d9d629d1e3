"""Stand-in for QEMU's NIC: opens a tap by name (as ``-netdev tap,ifname=TAP`` does) and
relays Ethernet frames between it and a veth end whose peer is the "VM"'s eth0.

Run inside the namespace that holds the tap: ``ip netns exec NS python tap_relay.py TAP IF``.
Prints ``ready`` once the tap is open (from then on the tap has carrier on the bridge).
"""

from __future__ import annotations

import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003


def main(tap: str, veth: str) -> None:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", tap.encode(), IFF_TAP | IFF_NO_PI))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((veth, 0))
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select([fd, sock.fileno()], [], [])
        if fd in readable:
            # A frame the bridge sent out through the tap: deliver it to the VM.
            sock.send(os.read(fd, 65536))
        if sock.fileno() in readable:
            frame, addr = sock.recvfrom(65536)
            # Our own sends show up as outgoing on the packet socket: skip them.
            if addr[2] != socket.PACKET_OUTGOING:
                os.write(fd, frame)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

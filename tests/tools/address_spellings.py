"""Spellings of addresses fetch_url must refuse (and some it must not), for its tests and benchmarks/abuse.py."""

from __future__ import annotations

# Every one of these reaches this machine's loopback (or "any", which Linux routes to it).
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",  # decimal
    "017700000001",  # octal, one number
    "0177.0.0.1",  # octal parts
    "0177.1",
    "0x7f000001",  # hex, one number
    "0x7f.1",  # hex, short form
    "0x7f.0.0.1",
    "127.1",  # short form
    "127.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "0",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[2002:7f00:1::]",  # 6to4
    "[64:ff9b::7f00:1]",  # NAT64
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
]

# spelling -> the kind named in the refusal
OTHER_PRIVATE = {
    "10.0.0.1": "private",
    "172.16.5.4": "private",
    "192.168.1.1": "private",
    "3232235777": "private",  # 192.168.1.1 in decimal
    "0xc0a80101": "private",
    "0.1.2.3": "private",  # "this network"
    "198.18.0.1": "private",  # benchmarking
    "192.0.2.1": "private",  # documentation
    "169.254.169.254": "link-local",  # cloud metadata
    "0251.0376.0251.0376": "link-local",  # the same, octal
    "0xa9fea9fe": "link-local",  # the same, hex
    "[fe80::1]": "link-local",
    "[fe80::1%25eth0]": "link-local",
    "[fc00::1]": "private",  # unique local
    "[fd12:3456:789a::1]": "private",
    "[fec0::1]": "site-local",
    "100.64.0.1": "shared (carrier-grade NAT)",
    "100.127.255.254": "shared (carrier-grade NAT)",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "[ff02::1]": "multicast",
    "255.255.255.255": "broadcast",
    "240.0.0.1": "reserved",
    "[::ffff:169.254.169.254]": "link-local",
    "[::ffff:a9fe:a9fe]": "link-local",
    "[::ffff:10.0.0.1]": "private",
    "[2002:a00:1::]": "private",  # 6to4 of 10.0.0.1
    "[2002:c0a8:101::1]": "private",  # 6to4 of 192.168.1.1
    "[64:ff9b::a9fe:a9fe]": "link-local",  # NAT64 of the metadata address
    "[64:ff9b:1::a00:1]": "private",  # local-use NAT64
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]": "private",  # Teredo
    "[::8.8.8.8]": "deprecated IPv4-compatible",
    "[2001:db8::1]": "private",  # documentation
}

PUBLIC = ["8.8.8.8", "134744072", "1.1.1.1", "[2606:4700:4700::1111]", "[::ffff:8.8.8.8]", "[2002:808:808::1]", "[64:ff9b::808:808]"]

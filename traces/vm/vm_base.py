"""The VM harness's shared ground (vmctl.py and its parts): where things are, logging, and
the QEMUs this process launched (killed and their socket folders removed when a command ends)."""
import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time


HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CACHE = os.environ.get("OOPSIM_CACHE", os.path.join(REPO, ".cache", "vm"))
DISKS = [  # name, base image, how it is attached
    ("ext4", "ext4.img", "virtio"),
    ("vfat", "vfat.img", "virtio"),
    ("usb", "usb.img", "usb"),
]
ALL_WORKLOADS = "ext4,vfat,usb,tcp,audio,restartd"
_PROCS = []
_SOCKDIRS = set()  # socket folders of the QEMUs this process launched (removed at exit)


def log(*a):
    print("[vmctl %s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)

# ruff: noqa: SIM105 - written the way real malicious setup.py files are
# Inert sample of a malicious sdist: runs `id`, connects to a loopback port and reads an
# SSH key path at install time. Only ever built into an archive and installed in the sandbox.
import os
import socket
import subprocess

from setuptools import setup

try:
    subprocess.run(["id", "-u"], check=False, capture_output=True)
except OSError:
    pass
try:
    socket.create_connection(("127.0.0.1", 9), timeout=1).close()
except OSError:
    pass
for secret in ("/root/.ssh/id_rsa-canary", os.path.expanduser("~/.aws/credentials")):
    try:
        with open(secret) as fh:
            fh.read()
    except OSError:
        pass

setup(name="evilpkg", version="0.1", py_modules=["evilpkg"])

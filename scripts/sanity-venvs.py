#!/usr/bin/python3
"""Create the virtual environments `ansible-test sanity` wants, offline, in one run.

    sanity-venvs.py [ansible-test sanity arguments]   (run in the collection root)

ansible-test creates one venv per sanity test and fills it with pip from PyPI, which is not
reachable here. This runs `ansible-test sanity --prime-venvs` once with its venv creation
replaced: each venv is made with the system site packages (Debian's ansible-test
dependencies) and without pip, and nothing is installed. ansible-test still computes every
venv's path and records it as installed (marker.txt, meta.install.json, meta.yaml.json), so
the real `ansible-test sanity` run that follows finds them all ready.
"""
import subprocess
import sys

import ansible_test._internal.commands.sanity as sanity
from ansible_test._internal import main


def create_venv(args, python, path, system_site_packages=False, pip=False):
    """Stand-in for ansible_test._internal.venv.create_virtual_environment."""
    subprocess.run([python.path, "-m", "venv", "--system-site-packages", "--without-pip", path], check=True)
    return True


def skip_pip(*args, **kwargs):
    """Stand-in for run_pip: the system site packages already hold the requirements."""


sanity.create_virtual_environment = create_venv
sanity.run_pip = skip_pip
sys.argv[1:1] = ["sanity", "--prime-venvs"]
main()

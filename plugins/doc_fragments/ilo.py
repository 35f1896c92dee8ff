# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The connection options every fleetfw.ilo module shares. They mirror the Go
# struct internal/ilo.ConnArgs; a test in cmd/fleetfw-ilo compares the two.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  baseuri:
    description:
      - Address of the iLO, as a host name or IP address, C(host:port), or an C(https://host[:port]) URL.
      - User info in the URL (C(https://user:password@host)) is refused, without echoing it; use I(username)
        and I(password).
      - An C(http://) URL is refused unless I(allow_http) is true, because the password and the session token
        would cross the network in clear text; real iLOs serve HTTPS.
    type: str
    required: true
  username:
    description:
      - User name that logs in a new Redfish session. The session is logged out when the module ends.
      - Required together with I(password), unless I(auth_token) is given.
      - If not set, the value of the C(ILO_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of I(username). Never logged (C(no_log)); scrubbed from every result.
      - If not set, the value of the C(ILO_PASSWORD) environment variable is used.
    type: str
  auth_token:
    description:
      - An existing session token (C(X-Auth-Token)), for example from M(fleetfw.ilo.session), used instead
        of I(username) and I(password). The module does not log that session out.
      - Never logged (C(no_log)); scrubbed from every result.
      - When given, it is used and I(username) and I(password) are ignored (they may still be set in the
        environment, for example by an AWX credential).
      - If not set, the value of the C(ILO_AUTH_TOKEN) environment variable is used.
    type: str
  validate_certs:
    description:
      - Verify the iLO's TLS certificate.
      - Set to C(false) only for a lab iLO whose certificate you cannot verify; prefer I(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate (or the iLO's self-signed certificate) that signed the iLO's
        certificate.
      - When set, only the certificates in this file are trusted for the iLO, as with Ansible's own
        C(ca_path); without it the system CAs are used.
      - It must be a regular file of at most 1 MiB (a FIFO, device or directory is refused before login).
      - If not set, the value of the C(ILO_CA_PATH) environment variable is used.
    type: path
  allow_http:
    description:
      - Allow an C(http://) I(baseuri), for a test rig or a simulator only. Over plain HTTP the password
        and the session token cross the network in clear text, whatever I(validate_certs) says.
      - If not set, the value of the C(ILO_ALLOW_HTTP) environment variable is used.
    type: bool
    default: false
  timeout:
    description:
      - Time limit for one HTTP request to the iLO, in seconds. It also bounds every wait for an answer
        that stops arriving, uploads included.
    type: int
    default: 30
notes:
  - The modules talk to the iLO over HTTPS from the host the task runs on, usually the controller
    (C(delegate_to) C(localhost), or a play on C(localhost)). That host needs no Python.
  - Answers larger than 16 MiB, nested deeper than 64 levels, or collections of more than 1,024 members are
    refused as not coming from an iLO; the session is still logged out.
  - Set the connection options once per play with C(module_defaults) and the C(group/fleetfw.ilo.ilo) action group.
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/session.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: session
short_description: Log in to an HPE iLO once and hand the session to every later task
version_added: 0.1.0
description:
  - C(state=present) logs in with I(username) and I(password) and returns the session token and URI.
    Pass the token as I(auth_token) to the other modules (for example through C(module_defaults)),
    so a play logs in once per iLO instead of once per task.
  - C(state=absent) logs out the session given by I(session_uri) and I(auth_token); both are required then.
    C(state=present) needs I(username) and I(password); an I(auth_token) given as well (say, by C(ILO_AUTH_TOKEN)) is not used,
    and a token alone is refused.
  - Register the result with C(no_log) set to true; the token grants the same rights as the password
    until it is logged out or expires.
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  state:
    description:
      - C(present) logs in and returns a new session.
      - C(absent) logs out the session named by I(session_uri); a session that is already gone is not an error.
    type: str
    choices: [present, absent]
    default: present
  session_uri:
    description:
      - The session to log out, as returned by C(state=present) in RV(session_uri).
      - Required with C(state=absent).
      - Must name one session of the iLO of I(baseuri), a path below the sessions collection its service
        root links to (or an C(https) URL of that iLO); anything else is refused before any request is made.
    type: str
attributes:
  check_mode:
    support: full
    description:
      - Logging in changes no iLO setting, so C(state=present) logs in also in check mode; otherwise the
        following tasks could not read anything. C(state=absent) reports what it would do and logs nothing out.
  diff_mode:
    support: none
    description: Logging in or out has no before and after to show.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - C(state=present) reports C(changed=false), like a read; C(state=absent) reports C(changed=true) when it ended a session.
  - The iLO limits the number of sessions. Always log out in an C(always) section.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Update firmware with one session per iLO
  hosts: ilos
  gather_facts: false
  tasks:
    - name: Log in
      fleetfw.ilo.session:
        baseuri: "{{ ilo_address }}"
        username: "{{ ilo_username }}"
        password: "{{ ilo_password }}"
      delegate_to: localhost
      register: ilo_session
      no_log: true

    - name: Work with the session
      module_defaults:
        group/fleetfw.ilo.ilo:
          baseuri: "{{ ilo_address }}"
          auth_token: "{{ ilo_session.auth_token }}"
      block:
        - name: Read the firmware inventory
          fleetfw.ilo.update_info:
            gather_subset: firmware
          delegate_to: localhost
      always:
        - name: Log out
          fleetfw.ilo.session:
            baseuri: "{{ ilo_address }}"
            state: absent
            auth_token: "{{ ilo_session.auth_token }}"
            session_uri: "{{ ilo_session.session_uri }}"
          delegate_to: localhost
'''

RETURN = r'''
auth_token:
  description: The session token (C(X-Auth-Token)). Keep it out of logs with C(no_log).
  returned: when I(state=present)
  type: str
  sample: 6f3f7c5c3b7a4a3c8d5b2f1e0a9b8c7d
session_uri:
  description: The session resource, to log out with C(state=absent).
  returned: when I(state=present)
  type: str
  sample: /redfish/v1/SessionService/Sessions/admin000000006f3f7c5c3b7a4a3c/
outcome:
  description:
    - C(unknown) when the logout's answer was lost (the connection broke after the request was sent), so the session
      may or may not have ended; C(changed) is then true. Any other failure reports C(changed=false).
  returned: with I(state=absent), on failure, when the outcome is unknown
  type: str
  sample: unknown
'''

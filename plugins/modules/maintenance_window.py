#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/maintenance_window.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: maintenance_window
short_description: Keep a maintenance window of the HPE iLO update service, or delete windows
version_added: 0.1.0
description:
  - A maintenance window is a time range, on the iLO's clock, in which tasks of the installation queue may run
    (C(/redfish/v1/UpdateService/MaintenanceWindows)). Tasks and install set invocations refer to it by Id.
  - The window is found by I(name). One that does not exist is created; one whose description or times differ is
    changed in place (C(PATCH) with C(If-Match)), and the iLO reschedules the tasks that use it.
  - C(state=absent) deletes the window; the tasks scheduled in it become C(Canceled) and are returned.
    With I(all=true) every window is deleted (C(DeleteMaintenanceWindows)).
  - Works with iLO 5 (1.30 and later), iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  name:
    description:
      - Name of the window, unique on the iLO, at most 64 characters.
      - Required unless I(all=true).
    type: str
  state:
    description: Whether the window should exist.
    type: str
    choices: [present, absent]
    default: present
  start_after:
    description:
      - When the window opens. Required to create a window.
      - A Redfish date-time with a time zone (C(2026-12-24T22:00:00Z), C(2026-12-24T23:00:00+01:00)), or a time
        relative to the iLO's clock (C(Oem.Hpe.CurrentTime)), not the controller's, written C(+) and one or more
        C(<n><unit>) with units C(d), C(h), C(m), C(s) (C(+30m), C(+2h), C(+1d), C(+1d6h)), or C(now).
      - A relative time is resolved when the module writes it. For a window that exists, relative times are not
        compared, so a rerun does not move the window; give date-times to move it.
    type: str
  expire:
    description:
      - When the window closes; same forms as I(start_after). Tasks still C(Pending) then become C(Expired).
      - Must be after I(start_after) and in the future by the iLO's clock when the module writes it.
    type: str
  description:
    description: Description of the window, at most 64 characters. Compared only when given.
    type: str
  all:
    description: With C(state=absent), delete every window (C(DeleteMaintenanceWindows)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reports the window that would be created, changed or deleted, and the tasks a deletion would cancel; writes nothing.
  diff_mode:
    support: full
    description: Shows the window's name, description and times before and after.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - The iLO keeps at most 8 windows; creating a ninth fails with a message that names the existing ones.
  - Times are compared as instants, so C(2026-12-24T23:00:00+01:00) matches the C(2026-12-24T22:00:00Z) the iLO returns.
  - Renaming a window would change its Id and break the tasks that refer to it, so I(name) is the key and is never changed.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: A window that opens tomorrow by the iLO's clock and lasts four hours
  fleetfw.ilo.maintenance_window:
    name: Saturday night
    description: Firmware rollout wave 2
    start_after: +1d
    expire: +1d4h
  delegate_to: localhost

- name: A window at a fixed time
  fleetfw.ilo.maintenance_window:
    name: Christmas
    start_after: "2026-12-25T00:00:00Z"
    expire: "2026-12-25T22:00:00Z"
  delegate_to: localhost

- name: Delete a window; its queued tasks become Canceled
  fleetfw.ilo.maintenance_window:
    name: Christmas
    state: absent
  delegate_to: localhost
  register: gone

- name: Delete every window
  fleetfw.ilo.maintenance_window:
    state: absent
    all: true
  delegate_to: localhost
'''

RETURN = r'''
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: created maintenance window "Saturday night" (2026-11-24T10:00:00Z to 2026-11-24T14:00:00Z)
window:
  description: The window after the task (before it, with C(state=absent)); in check mode, the window as it would be.
  returned: when a window is named and exists or is created
  type: dict
  sample:
    id: 7ada2ed8
    uri: /redfish/v1/UpdateService/MaintenanceWindows/7ada2ed8
    name: Saturday night
    description: Firmware rollout wave 2
    start_after: "2026-11-24T10:00:00Z"
    expire: "2026-11-24T14:00:00Z"
    created: "2026-11-23T10:00:00Z"
    modified: "2026-11-23T10:00:00Z"
deleted:
  description: Names of the windows deleted, or that would be deleted in check mode.
  returned: always
  type: list
  elements: str
  sample: [Christmas]
canceled_tasks:
  description:
    - Queued tasks that the deletion turned C(Canceled). In check mode, the C(Pending) tasks it would cancel.
  returned: always
  type: list
  elements: dict
  sample: [{id: 2d1a59f9, name: iLO 5 firmware, state: Canceled}]
ilo_time:
  description: The iLO's clock when the module read it to resolve a relative time or check I(expire).
  returned: when the module read the iLO's clock
  type: str
  sample: "2026-11-23T10:00:00Z"
outcome:
  description:
    - C(unknown) when the module failed after a write whose effect it cannot tell (the connection broke after the
      request was sent); C(changed) is then true. A failure before any write reports C(changed=false).
  returned: on failure, when the outcome is unknown
  type: str
  sample: unknown
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/update_task.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: update_task
short_description: Keep a task in the HPE iLO installation queue, or clear the queue
version_added: 0.1.0
description:
  - Manages one task of the iLO installation queue (C(/redfish/v1/UpdateService/UpdateTaskQueue)) by I(name), to
    install a repository component (C(ApplyUpdate)), reset the server or the iLO, wait, or wait for a reset.
  - A task with the same name and settings that is C(Pending) or C(InProgress) is left alone. A C(Pending) one with
    other settings is changed in place (C(PATCH) with C(If-Match)) and keeps its place in the queue; an C(InProgress)
    one with other settings is an error. A terminal one (C(Complete), C(Exception), C(Expired), C(Canceled)) with
    the same name is deleted and queued anew.
  - C(state=absent) deletes the task. I(clear=finished) deletes every terminal task, I(clear=all) empties the queue
    (C(DeleteUpdateTaskQueueItems)).
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  name:
    description:
      - Name of the task, unique in the queue, at most 64 characters.
      - Required unless I(clear) is given; mutually exclusive with I(clear).
    type: str
  state:
    description: Whether the task should be queued. Not used with I(clear).
    type: str
    choices: [present, absent]
    default: present
  command:
    description: What the task does. Required with C(state=present).
    type: str
    choices: [ApplyUpdate, ResetServer, ResetBmc, Wait, PendingReset]
  filename:
    description:
      - The component to install, by its file name in the iLO Repository. Required with C(command=ApplyUpdate);
        the component must be in the repository (upload it with M(fleetfw.ilo.component)).
    type: str
  updatable_by:
    description:
      - Which updaters may run the task. Taken from the repository entry for C(ApplyUpdate) when not given.
      - Compared only when given.
    type: list
    elements: str
    choices: [Bmc, Uefi, RuntimeAgent]
  wait_time_seconds:
    description: With C(command=Wait), how long to wait (0 to 3600).
    type: int
  maintenance_window:
    description:
      - Run the task only inside this maintenance window, given by name or Id (M(fleetfw.ilo.maintenance_window)).
      - "Mutually exclusive with I(start_after) and I(expire): the window's times apply."
    type: str
  start_after:
    description:
      - Do not start before this time. A Redfish date-time with a time zone (C(2026-12-24T22:00:00Z)), or a time
        relative to the iLO's clock (C(+30m), C(+2h), C(+1d), C(+1d6h), C(now)), resolved when the task is queued.
      - Relative times are not compared with a task that is already queued.
    type: str
  expire:
    description:
      - A C(Pending) task becomes C(Expired) after this time. Same forms as I(start_after); must be after it and in
        the future by the iLO's clock.
    type: str
  tpm_override:
    description: Let the flash proceed when a TPM is in use.
    type: bool
    default: false
  update_recovery_set:
    description: Also update the System Recovery Set (needs the Recovery Set privilege).
    type: bool
    default: false
  clear:
    description:
      - C(finished) deletes every C(Complete), C(Exception), C(Expired) and C(Canceled) task, one by one.
      - C(all) empties the queue (C(DeleteUpdateTaskQueueItems)).
    type: str
    choices: [finished, all]
  allow_downgrade:
    description:
      - With C(command=ApplyUpdate), queue a component whose version is older than what the device it updates runs.
        Without it such a task is refused before anything is written, with a message that names both versions; with
        it the task is queued with a warning.
      - The device is found as HPE documents it (the component's C(DeviceClass) and C(Targets) against
        FirmwareInventory); a component that names no device, or a version that does not compare, is not checked.
    type: bool
    default: false
  wait:
    description:
      - With C(state=present), wait until the task ends (C(Complete), C(Exception), C(Expired) or C(Canceled)).
        A task that ends otherwise than C(Complete) fails the module with its result.
      - A task in a maintenance window or after I(start_after) runs only then; a component that activates at the next
        reboot needs a C(ResetServer) task after it.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with I(wait), from 1 to 86400 (one day).
      - Running out fails the module with the task's last state (C(changed) stays true, the task was queued).
    type: int
    default: 3600
attributes:
  check_mode:
    support: full
    description: Reports the task that would be queued, changed, replaced or deleted; writes nothing.
  diff_mode:
    support: full
    description: Shows the task's settings before and after (the queue, with I(clear)).
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - The queue runs strictly in order; a task in C(Exception) or C(Expired) stops the queue behind it until deleted,
    which I(clear=finished) does.
  - Deleting an C(InProgress) task gives a warning; it does not stop what the updater already started.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Install the iLO firmware in the Saturday window
  fleetfw.ilo.update_task:
    name: iLO 5 3.05
    command: ApplyUpdate
    filename: ilo5_305.bin
    maintenance_window: Saturday night
  delegate_to: localhost

- name: Reboot the server in two hours (iLO clock), if it has not happened by tomorrow, never
  fleetfw.ilo.update_task:
    name: Reboot after BIOS
    command: ResetServer
    start_after: +2h
    expire: +1d
  delegate_to: localhost

- name: Reboot the server now and wait until the reboot task ends
  fleetfw.ilo.update_task:
    name: Reboot now
    command: ResetServer
    wait: true
    wait_timeout: 900
  delegate_to: localhost

- name: Remove finished tasks so that they no longer block the queue
  fleetfw.ilo.update_task:
    clear: finished
  delegate_to: localhost
'''

RETURN = r'''
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: queued "iLO 5 3.05"
task:
  description: The task after the module ran (before it, with C(state=absent)); in check mode, as it would be.
  returned: when a task is named and exists or is queued
  type: dict
  sample:
    id: 2d1a59f9
    uri: /redfish/v1/UpdateService/UpdateTaskQueue/2d1a59f9
    name: iLO 5 3.05
    command: ApplyUpdate
    filename: ilo5_305.bin
    component: /redfish/v1/UpdateService/ComponentRepository/224c0cdf
    updatable_by: [Bmc]
    state: Pending
    start_after: "2026-11-24T22:00:00Z"
    expire: "2026-11-25T04:00:00Z"
    maintenance_window: 7ada2ed8
    tpm_override: false
    update_recovery_set: false
    recovery_privilege: true
    created: "2026-11-23T10:00:00Z"
    modified: "2026-11-23T10:00:00Z"
deleted:
  description: Tasks deleted (the one named, a terminal one replaced, or those I(clear) removed), with the state they had.
  returned: always
  type: list
  elements: dict
  sample: [{id: 2d1a59f9, name: iLO 5 3.05, state: Complete}]
ilo_time:
  description: The iLO's clock when the module read it to resolve a relative time or check I(expire).
  returned: when the module read the iLO's clock
  type: str
  sample: "2026-11-23T10:00:00Z"
outcome:
  description:
    - C(unknown) when the module failed after a write whose effect it cannot tell (the connection broke after the
      request was sent, or I(wait_timeout) ran out); C(changed) is then true. A failure before any write reports
      C(changed=false).
  returned: on failure, when the outcome is unknown
  type: str
  sample: unknown
'''

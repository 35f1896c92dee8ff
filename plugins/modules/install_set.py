#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/install_set.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: install_set
short_description: Keep, invoke or delete an install set of the HPE iLO update service
version_added: 0.1.0
description:
  - An install set is a named sequence of installation steps over components of the iLO Repository
    (C(/redfish/v1/UpdateService/InstallSets)). Invoking it queues one task per step, named after the step.
  - C(state=present) creates the set, or changes it when its description, recovery flag or sequence differ. The iLO
    gives a changed set a new Id, which the module returns (with the old one in I(previous_id)).
  - C(state=invoked) queues the set's steps. When the queue already holds C(Pending) or C(InProgress) tasks from
    this set with the same parameters, nothing is done, unless I(force). The set's own earlier tasks are deleted
    first (the iLO refuses duplicate task names). A queued task that only bears a step's name (another set's, or
    your own) is never deleted; the module refuses and names it, unless I(clear_task_queue=true). Only the tasks
    this invocation made are returned and, with I(wait), waited for.
  - C(state=absent) deletes the set; I(all=true) deletes every set (C(DeleteInstallSets)) but the System Recovery Set.
  - The System Recovery Set is never changed or deleted unless I(is_recovery=true) is given.
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  name:
    description:
      - Name of the set, unique on the iLO, at most 64 characters. Required unless I(all=true).
    type: str
  state:
    description: Whether the set should exist, or exist and be invoked.
    type: str
    choices: [present, absent, invoked]
    default: present
  sequence:
    description:
      - The steps, in order. Required to create a set. Every C(ApplyUpdate) file must be in the iLO Repository;
        the module lists every missing one.
      - With C(state=invoked), the set is first made present with this sequence.
    type: list
    elements: dict
    suboptions:
      name:
        description: Name of the step, unique in the set; it becomes the task's name (at most 64 characters).
        type: str
        required: true
      command:
        description: What the step does.
        type: str
        choices: [ApplyUpdate, ResetServer, ResetBmc, Wait, BootToUefi, PendingReset, HostPoweroff]
        default: ApplyUpdate
      filename:
        description: The component to install (C(ApplyUpdate)), by its file name in the iLO Repository.
        type: str
      updatable_by:
        description: Which updaters may run the step; taken from the repository when not given, and compared only when given.
        type: list
        elements: str
        choices: [Bmc, Uefi, RuntimeAgent]
      wait_time_seconds:
        description: With C(command=Wait), how long to wait (0 to 3600).
        type: int
  description:
    description: Description of the set, at most 64 characters. Compared only when given.
    type: str
  is_recovery:
    description:
      - Whether the set is the System Recovery Set. Changing, creating or deleting the recovery set needs this
        option set to C(true) and the Recovery Set privilege (C(SystemRecoveryConfigPriv)).
      - Not given, the recovery flag of an existing set is kept and the recovery set is refused.
    type: bool
  all:
    description: With C(state=absent), delete every set but the System Recovery Set (with I(is_recovery=true), that one too).
    type: bool
    default: false
  clear_task_queue:
    description: With C(state=invoked), have the iLO empty the installation queue first (C(ClearTaskQueue)).
    type: bool
    default: false
  maintenance_window:
    description: With C(state=invoked), run the tasks in this maintenance window, given by name or Id.
    type: str
  start_after:
    description:
      - With C(state=invoked), do not start the tasks before this time. A Redfish date-time with a time zone or a time
        relative to the iLO's clock (C(+30m), C(+2h), C(+1d), C(now)), resolved when the set is invoked.
      - Mutually exclusive with I(maintenance_window).
    type: str
  expire:
    description: With C(state=invoked), tasks still C(Pending) then expire. Same forms as I(start_after).
    type: str
  tpm_override:
    description: With C(state=invoked), let flashes proceed when a TPM is in use.
    type: bool
    default: false
  update_recovery_set:
    description: With C(state=invoked), also update the System Recovery Set (needs the Recovery Set privilege).
    type: bool
    default: false
  force:
    description: With C(state=invoked), invoke again even when the set's tasks are queued with the same parameters.
    type: bool
    default: false
  allow_downgrade:
    description:
      - With C(state=invoked), queue components older than what the devices they update run. Without it such an
        invocation is refused before anything is written, naming each file, its version and what runs; with it the
        set is invoked with a warning per downgrade.
      - This holds for the System Recovery Set too, whose invocation also warns about every file older than what runs.
      - A device is found as HPE documents it (the component's C(DeviceClass) and C(Targets) against
        FirmwareInventory); a component that names no device, or a version that does not compare, is not checked.
    type: bool
    default: false
  wait:
    description:
      - With C(state=invoked), wait until every task of the set is C(Complete), C(Exception), C(Expired) or C(Canceled).
      - A task that does not end C(Complete) fails the module.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with I(wait), from 1 to 86400 (one day).
      - Running out says what the module waited for, the last state and percent seen, and whether the iLO
        was in its reset.
    type: int
    default: 3600
attributes:
  check_mode:
    support: full
    description: Reports the set that would be created, changed or deleted and the tasks an invocation would queue; writes nothing.
  diff_mode:
    support: full
    description: Shows the set (or the set's queued tasks, with C(state=invoked)) before and after.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - The iLO keeps at most 8 install sets; creating a ninth fails with a message that names the existing ones.
  - A queued task is the set's own when it has a step's name, command and file, and was created no earlier than the
    set (tasks carry no link to the set that made them). Relative times are not compared with queued tasks.
  - Invoking the System Recovery Set needs no privilege; I(update_recovery_set) does.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: An install set of two components
  fleetfw.ilo.install_set:
    name: Gen10 baseline 2026.11
    description: BIOS and CPLD
    sequence:
      - name: System ROM U46 2.92
        filename: U46_2.92_11_01_2026.signed.flash
      - name: CPLD 1C
        filename: cpld_v1C.vme
  delegate_to: localhost

- name: Invoke it in the Saturday window
  fleetfw.ilo.install_set:
    name: Gen10 baseline 2026.11
    state: invoked
    maintenance_window: Saturday night
  delegate_to: localhost

- name: Invoke it now and wait for the result
  fleetfw.ilo.install_set:
    name: Gen10 baseline 2026.11
    state: invoked
    wait: true
    wait_timeout: 1800
  delegate_to: localhost
  register: run

- name: Delete every set but the System Recovery Set
  fleetfw.ilo.install_set:
    state: absent
    all: true
  delegate_to: localhost
'''

RETURN = r'''
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: 'invoked install set "Gen10 baseline 2026.11": 2 tasks queued'
install_set:
  description: The set after the module ran (before it, with C(state=absent)); in check mode, as it would be.
  returned: when a set is named and exists or is created
  type: dict
  sample:
    id: 3e3567d5
    uri: /redfish/v1/UpdateService/InstallSets/3e3567d5
    name: Gen10 baseline 2026.11
    description: BIOS and CPLD
    is_recovery: false
    sequence:
      - {name: System ROM U46 2.92, command: ApplyUpdate, filename: U46_2.92_11_01_2026.signed.flash,
         component: /redfish/v1/UpdateService/ComponentRepository/1a2b3c4d, updatable_by: [Bmc]}
    created: "2026-11-23T10:00:00Z"
    modified: "2026-11-23T10:05:00Z"
previous_id:
  description: The Id the set had before the change gave it a new one.
  returned: when the set was changed
  type: str
  sample: a4f0d824
deleted:
  description: Names of the sets deleted, or that would be deleted in check mode.
  returned: always
  type: list
  elements: str
  sample: [Gen10 baseline 2026.11]
tasks:
  description:
    - With C(state=invoked), the set's tasks in sequence order, with their state and result (after a wait, how each ended).
      In check mode, the tasks that would be queued.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 2d1a59f9, name: System ROM U46 2.92, state: Complete, result: {message_id: Base.1.4.Success, meaning: Successfully Completed Request}}
installs:
  description:
    - With C(state=invoked), when the set is (or in check mode would be) invoked, and when a downgrade refuses it, the
      files its C(ApplyUpdate) steps install, the version of each in the repository, the devices each updates with the
      version they run, and whether the file is older than what runs.
  returned: when state=invoked queues the set or refuses a downgrade
  type: list
  elements: dict
  sample:
    - {step: iLO, filename: ilo5_266.bin, version: "2.66", devices: [{name: iLO 5, version: "2.70 May 16 2022"}], older: true}
outcome:
  description:
    - C(unknown) when the module failed after a write whose effect it cannot tell (the connection broke after the request
      was sent); C(changed) is then true. A failure before any write reports C(changed=false).
  returned: on failure, when the outcome is unknown
  type: str
  sample: unknown
ilo_time:
  description: The iLO's clock when the module read it to resolve a relative time or check I(expire).
  returned: when the module read the iLO's clock
  type: str
  sample: "2026-11-23T10:00:00Z"
'''

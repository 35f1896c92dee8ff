#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/update_info.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: update_info
short_description: Read firmware, the update service and the iLO Repository from an HPE iLO
version_added: 0.1.0
description:
  - Reads what the iLO Redfish update service knows, without changing anything.
  - Firmware and software inventory, the update service state (C(Idle), C(Updating), C(Complete), C(Error), ...),
    the iLO Repository with its free space, the installation queue, maintenance windows and install sets.
  - Every collection is read in one request with C($expand=.) when the iLO advertises it, member by member otherwise.
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  gather_subset:
    description:
      - What to read. C(all) reads everything. An empty list is refused.
      - C(firmware) and C(software) are the FirmwareInventory and SoftwareInventory collections.
      - C(service) is the update service state, its capabilities, the iLO generation and firmware version.
      - C(repository) is the iLO Repository (components, total and free bytes).
      - C(task_queue), C(maintenance_windows) and C(install_sets) are the HPE update workflow collections.
    type: list
    elements: str
    choices: [all, firmware, software, service, repository, task_queue, maintenance_windows, install_sets]
    default: [all]
attributes:
  check_mode:
    support: full
    description: The module never changes anything; check mode runs it as usual.
  diff_mode:
    support: none
    description: Read-only module; there is nothing to compare.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - Read-only. The session the module opens is always closed, unless I(auth_token) was given.
  - A collection the iLO does not link to (older firmware) is left out of the result with a warning.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Read the firmware inventory and the update service state
  fleetfw.ilo.update_info:
    baseuri: "{{ ilo_address }}"
    username: "{{ ilo_username }}"
    password: "{{ ilo_password }}"
    gather_subset: [firmware, service]
  delegate_to: localhost
  register: ilo

- name: Show the iLO and BIOS versions
  ansible.builtin.debug:
    msg: "{{ ilo.firmware | selectattr('name', 'search', 'iLO|ROM') | map(attribute='version') | list }}"

- name: Check the repository has room for a 100 MiB component
  fleetfw.ilo.update_info:
    gather_subset: repository
  delegate_to: localhost
  register: repo
  failed_when: repo.repository.free_bytes < 104857600
'''

RETURN = r'''
firmware:
  description:
    - FirmwareInventory items.
    - C(updateable) is C(true) or C(false) as the iLO reports it, and C(null) when the iLO omits
      C(Updateable), as iLO 5 2.4x firmware does for every member. C(null) means unknown, never "cannot be updated".
      M(fleetfw.ilo.firmware_update) refuses a flash only on an explicit C(false).
  returned: when C(firmware) is gathered and the iLO's update service links to it
  type: list
  elements: dict
  sample:
    - id: "1"
      uri: /redfish/v1/UpdateService/FirmwareInventory/1/
      name: iLO 5
      version: "2.72 Sep 04 2022"
      updateable: true
      device_class: ""
      device_context: System Board
      targets: ["4764a662-b342-4fc7-9ce9-258c5d99e815"]
      software_id: ""
software:
  description: SoftwareInventory items, same keys as I(firmware).
  returned: when C(software) is gathered and the iLO's update service links to it
  type: list
  elements: dict
service:
  description: The update service and the iLO itself.
  returned: when C(service) is gathered
  type: dict
  contains:
    state:
      description: C(Oem.Hpe.State) of the update service.
      type: str
      sample: Idle
    flash_progress_percent:
      description: Flash progress while I(state) is C(Updating), else null.
      type: int
    result:
      description: Outcome of the last operation (C(Oem.Hpe.Result)), with the meaning of its MessageId.
      type: dict
      sample: {message_id: Base.1.4.Success, message_args: [], meaning: Successfully Completed Request}
    upload_current_etag:
      description: The tag of the last upload (C(Oem.Hpe.UploadCurrentEtag)).
      type: str
    current_time:
      description: The iLO clock, the reference for every schedule.
      type: str
      sample: "2026-11-23T10:00:00Z"
    capabilities:
      description: C(Oem.Hpe.Capabilities) as returned by the iLO.
      type: dict
    accept_3rd_party_firmware:
      description: Whether third-party firmware packages are accepted.
      type: bool
    downgrade_policy:
      description: C(AllowDowngrade), C(RecoveryDowngrade) or C(NoDowngrade).
      type: str
    http_push_uri:
      description: The upload URI of the iLO (C(HttpPushUri)).
      type: str
      sample: /cgi-bin/uploadFile
    multipart_http_push_uri:
      description: The DMTF multipart push URI when the service advertises one, else an empty string.
      type: str
    generation:
      description: The iLO generation, read from the manager type.
      type: str
      sample: iLO 5
    firmware_version:
      description: The iLO firmware version as the manager reports it.
      type: str
      sample: "2.72"
repository:
  description: The iLO Repository.
  returned: when C(repository) is gathered and the iLO's update service links to it
  type: dict
  contains:
    total_bytes:
      description: Size of the repository.
      type: int
      sample: 1073168384
    free_bytes:
      description: Free bytes in the repository.
      type: int
    components:
      description: Components in the repository.
      type: list
      elements: dict
      sample:
        - id: 224c0cdf
          uri: /redfish/v1/UpdateService/ComponentRepository/224c0cdf/
          filename: ilo5_244.bin
          name: iLO 5
          version: "2.44"
          size_bytes: 33557060
          locked: true
          created: "2021-08-18T06:42:29Z"
          activates: AfterDeviceReset
          updatable_by: [Bmc]
          device_class: 2f317b9d-c9e3-4d76-bff6-b9d0d085a952
          targets: [c0bcf2b9-1141-49af-aab8-c73791f0349c]
          component_uri: /fwrepo/ilo5_244.bin
          component_type: Firmware
          filepath: /fwrepo/ilo5_244.bin
          criticality: Recommended
          configuration: ""
          execution_parameters: ""
task_queue:
  description: Items of the installation queue.
  returned: when C(task_queue) is gathered and the iLO's update service links to it
  type: list
  elements: dict
  sample:
    - id: 2d1a59f9
      uri: /redfish/v1/UpdateService/UpdateTaskQueue/2d1a59f9/
      name: Update iLO
      command: ApplyUpdate
      filename: ilo5_305.bin
      state: Pending
      updatable_by: [Bmc]
      start_after: "2026-11-24T01:00:00Z"
      expire: "2026-11-24T05:00:00Z"
      maintenance_window: 7ada2ed8
      tpm_override: false
      update_recovery_set: false
      recovery_privilege: false
      result: {}
      additional_error: {}
      component: /redfish/v1/UpdateService/ComponentRepository/224c0cdf/
      wait_time_seconds: 0
      execution_timeout_minutes: 0
      targets: []
      task_placement_mode: ""
      created: "2026-11-23T10:00:00Z"
      modified: "2026-11-23T10:00:00Z"
maintenance_windows:
  description: Maintenance windows.
  returned: when C(maintenance_windows) is gathered and the iLO's update service links to it
  type: list
  elements: dict
  sample:
    - id: 7ada2ed8
      uri: /redfish/v1/UpdateService/MaintenanceWindows/7ada2ed8/
      name: Saturday night
      description: ""
      start_after: "2026-11-28T22:00:00Z"
      expire: "2026-11-29T04:00:00Z"
      created: "2026-11-23T10:00:00Z"
      modified: "2026-11-23T10:00:00Z"
install_sets:
  description: Install sets, the System Recovery Set included.
  returned: when C(install_sets) is gathered and the iLO's update service links to it
  type: list
  elements: dict
  sample:
    - id: a74b22b6
      uri: /redfish/v1/UpdateService/InstallSets/a74b22b6/
      name: System Recovery Set
      description: Essential System Firmware Components
      is_recovery: true
      sequence:
        - {name: iLO 5, command: ApplyUpdate, filename: ilo5_244.bin, updatable_by: [Bmc], wait_time_seconds: 0,
           component: /redfish/v1/UpdateService/ComponentRepository/224c0cdf/, execution_timeout_minutes: 0, targets: []}
      platform_id: ""
      created: "2021-08-18T06:42:29Z"
      modified: "2021-08-18T06:42:29Z"
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/firmware_plan.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: firmware_plan
short_description: Plan the firmware of an HPE server from an HPE catalog
version_added: 0.1.0
description:
  - Reads a firmware catalog HPE ships and the iLO's firmware inventory, and says for every installed item what the
    catalog offers it and what to do. Changes nothing.
  - A catalog entry applies to an item when one of its target GUIDs is in the item's C(Oem.Hpe.Targets) and its device
    class equals the item's C(Oem.Hpe.DeviceClass) (or the item has none). A System ROM of another family (C(U46) on an
    C(A47) server) never applies; an iLO firmware file applies only to its iLO generation.
  - Of several applicable versions the highest whose C(minimum_active_version) the item meets is chosen. When that is
    not the highest, it is a stepping stone and the item names the version to install after it (I(then_version)).
  - Versions are compared after normalising what iLOs and catalogs write (C(A43 v2.52 (10/29/2021)) and
    C(2.60_11-04-2021), C(2.46 May 11 2021) and C(2.50), C(0x0D) and C(0D)). A format that cannot be read gives the
    action C(unknown), never a guess.
  - Install order is System ROM and platform firmware first, other devices next, iLO firmware last (its flash resets
    the iLO).
  - The catalog is read before anything is sent to the iLO; a bad catalog fails the task with the file and the entry
    named. The inventory is read in one request.
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  catalog:
    description:
      - The catalog, on the host that runs the module.
      - A C(fwrepo.json) (HPE's firmware pack repository index, an object keyed by file name with C(version),
        C(deviceclass), C(target) (a GUID or a list), C(minimum_active_version), C(reboot_required),
        C(server_power_off)).
      - An SPP's C(manifest/manifest.json) (entries shaped like a component's C(payload.json); the files are looked for
        beside it and in C(packages/)).
      - A folder. Its C(fwrepo.json) when it has one (a C(manifest/manifest.json) beside it adds C(UpdatableBy)), else
        its C(manifest/manifest.json), else the components in it. A C(.fwpkg) is read from the decoupled C(<name>.json)
        beside it or the C(payload.json) inside it; C(.bin), C(.signed.flash) and C(.vme) files from HPE's file naming;
        Smart Components (C(cp*.exe)) from a C(<name>.json) beside them. A file known only by its name gives a warning.
      - Keys are read without regard to case or C(_).
    type: path
    required: true
  allow_downgrade:
    description:
      - Plan (I(install=true)) a catalog version older than the running one. Without it such items are C(downgrade)
        with I(install=false).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: The module never changes anything; check mode gives the same plan as a normal run.
  diff_mode:
    support: none
    description: Read-only module; there is nothing to compare.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - Read-only. The session the module opens is always closed, unless I(auth_token) was given.
  - C(changed) is always false.
  - Older iLO 5 firmware (2.46) does not say which items are updatable; no item is C(not_updatable) then.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Plan from an SPP's fwrepo.json
  fleetfw.ilo.firmware_plan:
    baseuri: "{{ ilo_address }}"
    username: "{{ ilo_username }}"
    password: "{{ ilo_password }}"
    catalog: /srv/spp/2025.09/fwrepo.json
  delegate_to: localhost
  register: plan

- name: Plan from an SPP's manifest.json
  fleetfw.ilo.firmware_plan:
    catalog: /srv/spp/2025.09/manifest/manifest.json
  delegate_to: localhost
  register: plan

- name: Plan from a folder of .fwpkg packages (payload.json inside or <name>.json beside each)
  fleetfw.ilo.firmware_plan:
    catalog: /srv/firmware/fwpkg/
  delegate_to: localhost
  register: plan

- name: Plan from a folder of iLO and ROM binaries and Smart Components, downgrades included
  fleetfw.ilo.firmware_plan:
    catalog: /srv/firmware/binaries/
    allow_downgrade: true
  delegate_to: localhost
  register: plan

- name: Show what would be installed, in order
  ansible.builtin.debug:
    msg: "{{ plan.files | map(attribute='file') | list }}"

- name: Fail when a server cannot reach the baseline
  ansible.builtin.assert:
    that: plan.summary.blocked == 0
    fail_msg: "{{ plan.plan | selectattr('action', 'eq', 'blocked') | map(attribute='reason') | list }}"
'''

RETURN = r'''
plan:
  description: One step per FirmwareInventory item, in inventory order.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: The inventory item's C(Id).
      type: str
    name:
      description: The item's name.
      type: str
    device_context:
      description: Where the device is (C(System Board), C(Bay 2), C(PCI-E Slot 1)).
      type: str
    device_class:
      description: The item's C(Oem.Hpe.DeviceClass), or an empty string.
      type: str
    current_version:
      description: The version the iLO reports.
      type: str
    target_version:
      description: The catalog version chosen for the item, or null when none applies.
      type: str
    file:
      description: The catalog file of I(target_version), or null.
      type: str
    action:
      description:
        - C(upgrade), C(downgrade) (installed only with I(allow_downgrade)), C(current), C(blocked) (the catalog's
          version needs a newer running version and nothing bridges the gap), C(not_in_catalog), C(not_updatable)
          (the iLO says C(Updateable) false), C(needs_os_agent) (only SUM, SUT or iSUT in the host OS installs it),
          C(unknown) (the versions cannot be compared).
      type: str
      choices: [upgrade, downgrade, current, blocked, not_in_catalog, not_updatable, needs_os_agent, unknown]
    install:
      description: Whether applying the plan installs I(file) on this item.
      type: bool
    reboot_required:
      description: The file activates only after a server reboot.
      type: bool
    power_off:
      description: The file activates only after the server is powered off.
      type: bool
    order:
      description: The number of I(file) in I(files) (install order) when I(install), else 0.
      type: int
    resets_ilo:
      description: The file flashes the iLO itself, which resets it.
      type: bool
    then_version:
      description: For a stepping stone, the version to install after it; else null.
      type: str
    reason:
      description: Why the action, in words.
      type: str
  sample:
    - id: "2"
      name: System ROM
      device_context: System Board
      device_class: aa148d2e-6e09-453e-bc6f-63baa5f5ccc4
      current_version: A47 v2.58 (05/19/2022)
      target_version: 2.62_01-01-2023
      file: A47_2.62_01_01_2023.signed.flash
      action: upgrade
      install: true
      reboot_required: true
      power_off: false
      order: 1
      resets_ilo: false
      then_version: 2.72_01-01-2024
      reason: "stepping stone: 2.72_01-01-2024 needs 2.62 running first; install 2.62_01-01-2023, then 2.72_01-01-2024"
files:
  description: The files to stage, in install order, each once.
  returned: success
  type: list
  elements: dict
  contains:
    file:
      description: The file name.
      type: str
    path:
      description: The absolute local path of the file, or null when the catalog only names it.
      type: str
    bytes:
      description: Size of the file (0 when I(path) is null).
      type: int
    version:
      description: The version the file carries, as the catalog writes it.
      type: str
    order:
      description: Install order, from 1.
      type: int
    reboot_required:
      description: The file activates only after a server reboot.
      type: bool
    power_off:
      description: The file activates only after the server is powered off.
      type: bool
    resets_ilo:
      description: The file flashes the iLO itself.
      type: bool
    items:
      description: The inventory ids the file installs on.
      type: list
      elements: str
  sample:
    - file: ilo5_305.bin
      path: /srv/spp/ilo5_305.bin
      bytes: 33557060
      version: "3.05"
      order: 4
      reboot_required: false
      power_off: false
      resets_ilo: true
      items: ["1"]
summary:
  description: How many items have each action; every action is present.
  returned: success
  type: dict
  sample: {upgrade: 4, downgrade: 1, current: 2, blocked: 1, not_in_catalog: 15, not_updatable: 3, needs_os_agent: 1, unknown: 0}
compliant:
  description: True when nothing is to be installed and nothing is blocked.
  returned: success
  type: bool
server:
  description: The server the plan is for.
  returned: success
  type: dict
  contains:
    model:
      description: The system model.
      type: str
      sample: ProLiant XL675d Gen10 Plus
    serial:
      description: The system serial number.
      type: str
    ilo_generation:
      description: 5, 6 or 7.
      type: int
    ilo_firmware:
      description: The iLO firmware version.
      type: str
      sample: "2.70"
catalog:
  description: The catalog read.
  returned: success
  type: dict
  contains:
    kind:
      description: C(fwrepo.json), C(manifest.json) or C(folder) (a folder of components).
      type: str
    path:
      description: The index file read, or the folder.
      type: str
    entries:
      description: The number of files the catalog lists for a device.
      type: int
    skipped:
      description: The number of entries for no device (drivers and software, with no target), left out of the plan.
      type: int
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/firmware_update.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: firmware_update
short_description: Flash one firmware image now, wait through the iLO's reset and verify the new version
version_added: 0.1.0
description:
  - Flashes one firmware image immediately and ends when the device reports the image's version, or with a clear failure.
    The image is fetched by the iLO from a URL (I(image_uri), Redfish C(SimpleUpdate)) or pushed from a file on the host
    that runs the module (I(path)), through the iLO upload form (C(HttpPushUri), with C(UpdateTarget)) or the DMTF
    C(MultipartHttpPushUri) when the update service advertises it.
  - "Idempotent by version: the version the image carries (I(version), else C(payload.json) of a C(.fwpkg), else the
    HPE file name: C(ilo5_305.bin) is 3.05, C(A47_2.90_01_01_2025.signed.flash) is v2.90 (01/01/2025)) is compared with
    the FirmwareInventory entry the image updates. When that entry already reports it, nothing is sent
    (C(changed=false)). I(force=true) flashes anyway."
  - "The entry the image updates (C(target)) is found in this order: with I(inventory_name), the entries of that Name;
    else the entries whose C(Oem.Hpe.DeviceClass) is the image's (from C(payload.json), or the class the file name implies:
    C(ilo<gen>_*.bin) the iLO, C(*.signed.flash) the System ROM, C(*.vme) the CPLD) and, when C(payload.json) names
    target GUIDs, that list one of them in C(Oem.Hpe.Targets); else, on an iLO that reports no DeviceClass, the entries
    named C(iLO <gen>), C(System ROM) or C(System Programmable Logic Device). Every matching entry must report the
    version for the task to be unchanged. Images whose type names no device (other C(.bin), C(.signed.bin), C(.hex))
    need I(inventory_name)."
  - "Before anything is sent the module refuses what would never be flashed: an image type that C(SimpleUpdate)
    answers with 200 OK and never flashes (anything but C(.bin) and C(.signed.flash): C(.fwpkg), Smart Components,
    C(.signed.full) ...), Smart Components and packages the iLO cannot flash itself pushed with I(path) (the iLO keeps
    them but ignores C(UpdateTarget)); the message points to M(fleetfw.ilo.component) with C(update_target), or to an
    install set. It also refuses while the update service is busy, iLO firmware of another generation, a BIOS image of
    another ROM family, and an image it cannot tell the version of (give I(version) or I(force))."
  - The module follows the Task and its monitor when the iLO returns one (iLO 5 2.30 and later) and C(Oem.Hpe.State) with
    C(FlashProgressPercent) always; C(State) C(Error) ends the task with C(Result.MessageId) and its meaning.
  - Flashing the iLO's own firmware resets the iLO and ends every session. Refused or reset connections and C(401) are
    expected then; the module logs in again with backoff until the iLO answers (within I(wait_timeout)), then verifies the
    new version in FirmwareInventory and in the Manager.
  - BIOS/UEFI (and CPLD) images take effect at the next server reboot; the task ends with C(pending_reboot=true), not as
    a failure. Rebooting is not this module's job (see the notes).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  image_uri:
    description:
      - URL the iLO fetches the image from (C(SimpleUpdate)). Only iLO firmware (C(.bin)) and UEFI/BIOS images
        (C(.signed.flash)) are flashed this way.
      - Without a scheme (C(repo.example.com/fw/ilo5_305.bin)), I(transfer_protocol) says which one.
      - Mutually exclusive with I(path).
    type: str
  transfer_protocol:
    description: Protocol for an I(image_uri) without a scheme (C(TransferProtocol)).
    type: str
    choices: [HTTP, HTTPS]
  path:
    description:
      - Local image file to push, on the host that runs the module. Streamed from disk; files over 32 MiB go in 32 MiB
        sections with the upload form.
      - Mutually exclusive with I(image_uri).
    type: path
  method:
    description:
      - How the image reaches the iLO. C(simple) is C(SimpleUpdate) with I(image_uri). C(oem_push) is the iLO upload
        form (C(HttpPushUri), C(/cgi-bin/uploadFile)) with I(path). C(multipart) is the DMTF C(MultipartHttpPushUri)
        with I(path), which no iLO generation documents yet.
      - C(auto) picks C(simple) for I(image_uri); for I(path), C(multipart) when the update service advertises it
        (and I(tpm_override) is not set), else C(oem_push).
    type: str
    choices: [auto, simple, oem_push, multipart]
    default: auto
  version:
    description:
      - The version the image carries, compared with the version the target reports.
      - Defaults to the version in C(payload.json) of a C(.fwpkg), else to the one HPE's file name carries.
    type: str
  inventory_name:
    description:
      - Name of the FirmwareInventory entry (or entries) the image updates, for images whose type does not say which
        device they are for, or to override the matching by DeviceClass.
    type: str
  keep_in_repository:
    description:
      - With I(path), keep the image in the iLO Repository after flashing it (C(UpdateRepository)).
      - C(SimpleUpdate) never keeps the image; use M(fleetfw.ilo.component) for that.
    type: bool
    default: false
  tpm_override:
    description: With I(path) and the upload form, allow the flash when a TPM is in use (C(TPMOverride)).
    type: bool
    default: false
  force:
    description:
      - Flash even when the target already reports the version, when the version is unknown, when no FirmwareInventory
        entry matches, when the target says it is not updateable (C(Updateable) false; a target without C(Updateable),
        as on iLO 5 2.4x, is flashed without I(force)), or when a BIOS image names another ROM family.
    type: bool
    default: false
  allow_downgrade:
    description:
      - Flash an image whose version is older than what the target runs. Without it such a flash is refused before
        anything is sent, with a message that names both versions; with it the downgrade is done with a warning.
      - I(force) does not allow a downgrade. Versions that do not compare (an unknown format) are not called older.
    type: bool
    default: false
  wait:
    description:
      - Wait until the iLO has flashed the image (through its own reset for iLO firmware) and verify the version.
      - With C(false) the task ends once the iLO accepted the request; C(new_version) is then empty.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds for sending, flashing and the iLO's reset together, from 1 to 86400 (one day).
      - Running out says what the module waited for, the last state and percent seen, and whether the iLO
        was in its reset.
    type: int
    default: 1800
attributes:
  check_mode:
    support: full
    description: Compares the versions and reports whether the image would be flashed; nothing is sent.
  diff_mode:
    support: full
    description: Shows the target's version before and after.
  async:
    support: full
    description: Runs under C(async) with C(poll) and with C(async_status); use an C(async) time above I(wait_timeout).
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - A BIOS/UEFI image flashed by the iLO is staged and runs after the next server reboot (C(pending_reboot=true)). To
    reboot through the iLO installation queue, queue a C(ResetServer) task with M(fleetfw.ilo.update_task) (C(command=ResetServer), optionally with
    C(start_after) or a C(maintenance_window)), or reboot the server as you normally do. Until the reboot the iLO may still report the old
    ROM version, and a rerun would flash the image again.
  - Each push is tagged (C(UploadCurrentEtag)) and counts as done only when the update service reports C(Complete) under
    that tag; C(SimpleUpdate) carries no tag, so the module follows its Task (iLO 5 2.30 and later), else the states after
    the request.
  - "To survive the iLO's reset the module needs I(username) and I(password): a session given as I(auth_token) ends with
    the reset and cannot be renewed, so an iLO flash with I(auth_token) alone is refused unless I(wait=false)."
  - A request whose connection broke on the way is never repeated blindly; a rerun compares the version first.
  - An iLO that flashes its own firmware reports C(Complete) before it resets (long enough for a client polling every
    8 s to read it), and sometimes does not reset at all. After C(Complete) the module waits until the iLO went dark and
    answers again, or its manager reports the new version without a reset; I(new_version) is then read from the iLO and
    compared. A forced re-flash of the running version can only be told done by the reset, which it waits for up to
    2 minutes after C(Complete).
  - A target without C(Updateable) (iLO 5 2.4x omits it everywhere) is flashed; only C(Updateable=false) refuses.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Flash iLO firmware the iLO downloads itself, and wait through its reset
  fleetfw.ilo.firmware_update:
    baseuri: ilo1.example.com
    username: admin
    password: "{{ ilo_password }}"
    image_uri: https://repo.example.com/firmware/ilo5_305.bin
  delegate_to: localhost

- name: Push a BIOS image from the control node; it takes effect at the next reboot
  fleetfw.ilo.firmware_update:
    path: /srv/firmware/A47_2.90_01_01_2025.signed.flash
  register: bios
  delegate_to: localhost

- name: Queue a server reboot through the iLO installation queue when the BIOS waits for one
  fleetfw.ilo.update_task:
    name: Reboot for the new BIOS
    command: ResetServer
  when: bios.pending_reboot
  delegate_to: localhost

- name: Flash a firmware package and keep it in the iLO Repository
  fleetfw.ilo.firmware_update:
    path: /srv/firmware/ilo6_170.fwpkg
    keep_in_repository: true
  delegate_to: localhost

- name: Flash a device whose file name says nothing, by its inventory name and version
  fleetfw.ilo.firmware_update:
    path: /srv/firmware/psu-fw.bin
    inventory_name: Power Supply Firmware
    version: "3.12"
  delegate_to: localhost

- name: Flash a fleet in parallel without holding a fork per iLO
  fleetfw.ilo.firmware_update:
    image_uri: https://repo.example.com/firmware/ilo5_305.bin
    wait_timeout: 1500
  async: 1800
  poll: 0
  register: flash
  delegate_to: localhost

- name: Wait for every flash to finish
  ansible.builtin.async_status:
    jid: "{{ flash.ansible_job_id }}"
  register: flashed
  until: flashed.finished
  retries: 180
  delay: 10
  delegate_to: localhost
'''

RETURN = r'''
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: flashed ilo5_305.bin; the iLO reset itself and now runs 3.05 Nov 23 2026
image:
  description: File name of the image.
  returned: always
  type: str
  sample: ilo5_305.bin
method:
  description: How the image was (or would be) sent, C(simple), C(oem_push) or C(multipart).
  returned: when the iLO was reached
  type: str
  sample: simple
target:
  description: The FirmwareInventory entry the image updates (the first, when several match).
  returned: when an entry matches
  type: dict
  sample:
    id: "1"
    uri: /redfish/v1/UpdateService/FirmwareInventory/1/
    name: iLO 5
    device_class: 2f317b9d-c9e3-4d76-bff6-b9d0d085a952
    device_context: System Board
previous_version:
  description: The version the target reported before the task.
  returned: always
  type: str
  sample: 2.70 May 16 2022
new_version:
  description: The version the target reports after the task; in check mode the version it would get; empty with C(wait=false).
  returned: always
  type: str
  sample: 3.05 Nov 23 2026
task_id:
  description: Id of the Task the iLO created for the request (iLO 5 2.30 and later; not for the upload form).
  returned: when the iLO created a Task
  type: str
  sample: "22"
states:
  description: Update service states (C(Oem.Hpe.State)) seen while waiting, each with the time it was first seen and C(FlashProgressPercent) while C(Updating).
  returned: always
  type: list
  elements: dict
  sample:
    - {state: Verifying, time: "2026-11-23T10:00:02.250Z"}
    - {state: Updating, time: "2026-11-23T10:00:05.100Z", percent: 14}
    - {state: Complete, time: "2026-11-23T10:01:40.400Z"}
duration:
  description: Seconds from sending the image to the end of the wait and verification.
  returned: always
  type: float
  sample: 104.3
pending_reboot:
  description: True when the image takes effect at the next server reboot (BIOS/UEFI, CPLD, packages that say so).
  returned: always
  type: bool
  sample: false
ilo_reset:
  description: True when the iLO reset itself during the task (its own firmware) and the module logged in again.
  returned: always
  type: bool
  sample: true
bytes_sent:
  description: Image bytes pushed to the iLO (0 with I(image_uri), which the iLO fetches itself).
  returned: always
  type: int
  sample: 33557060
outcome:
  description:
    - C(unknown) when the module failed after the iLO accepted the image and cannot tell whether it flashed it (the
      connection broke, I(wait_timeout) ran out, the iLO did not come back from its reset, or I(path) changed while
      it was sent); C(changed) is then true. Read the iLO's state before running the task again.
    - A failure before anything was sent, or a flash the iLO itself ended in C(Error), reports C(changed=false)
      without I(outcome).
  returned: on failure, when the outcome is unknown
  type: str
  sample: unknown
'''

#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/component.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: component
short_description: Keep a firmware component in the iLO Repository, or remove it
version_added: 0.1.0
description:
  - Uploads a component (Smart Component, C(.fwpkg), C(.bin), C(.signed.flash), ...) to the iLO Repository,
    from a file on the host that runs the module (I(path)) or by having the iLO download it (I(image_uri)).
  - Local files are streamed from disk; files over 32 MiB are sent in 32 MiB sections, each with its own
    signature when the component ships per-part signatures (C(<base>_part<N>.compsig)). Memory use does not
    grow with the file size.
  - A component with the same file name and size (and version, when the file carries one) is left alone.
    A different file under the same name replaces it, unless the repository entry is locked by a queued task
    or an install set.
  - C(state=absent) deletes a component by I(filename) or I(id), or every unlocked component with I(all_unlocked).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  state:
    description: Whether the component should be in the repository.
    type: str
    choices: [present, absent]
    default: present
  path:
    description:
      - Local component file to upload, on the host that runs the module.
      - Mutually exclusive with I(image_uri).
    type: path
  compsig:
    description:
      - Signature file for I(path). Looked up beside the file (C(<base>.compsig)) when not given.
      - Components over 32 MiB use C(<base>_part<N>.compsig) per section when those files exist.
    type: path
  image_uri:
    description:
      - HTTP or HTTPS URL the iLO downloads the component from (C(AddFromUri)).
      - For a component split into 32 MiB parts, the URLs of the parts in order; they are sent as
        C(Section) 1, 2, ... with C(ComponentFileName) set to I(filename), which is then required.
      - The module asks the image server for the size (C(HEAD)) to compare it with the repository entry
        and the free space; when the server does not say, it compares by file name and version only.
      - Mutually exclusive with I(path).
    type: list
    elements: str
  compsig_uri:
    description:
      - URL of the signature for I(image_uri), or one URL per part of a split component.
        Not needed for files with an embedded signature.
    type: list
    elements: str
  filename:
    description:
      - Name of the component in the repository. Defaults to the base name of I(path) or I(image_uri).
      - With C(state=absent), the component to delete.
    type: str
  id:
    description: With C(state=absent), the repository Id of the component to delete.
    type: str
  all_unlocked:
    description: With C(state=absent), delete every component that is not locked (C(DeleteUnlockedComponents)).
    type: bool
    default: false
  update_repository:
    description:
      - Keep the component in the repository after the upload.
      - With C(false) (flash and discard, needs I(update_target)) the component is sent on every run.
    type: bool
    default: true
  update_target:
    description:
      - Flash the component right after the upload.
      - The component is flashed only when it is uploaded; one that is already in the repository is left alone
        (flash it with the installation queue or C(fleetfw.ilo.firmware_update)).
    type: bool
    default: false
  update_recovery_set:
    description: Also replace the matching entry of the System Recovery Set (needs the Recovery Set privilege).
    type: bool
    default: false
  tpm_override:
    description: Allow the flash when a TPM is in use (with I(update_target)).
    type: bool
    default: false
  force:
    description: Upload even when the repository already holds the same component.
    type: bool
    default: false
  allow_downgrade:
    description:
      - With I(update_target=true), flash a file older than what its device runs. Without it such a flash is refused
        before anything is sent, naming both versions; with it the flash is done with a warning.
      - Checked for iLO firmware (against the iLO's own version), BIOS images (against the System ROM) and C(.fwpkg)
        packages (against the devices their C(payload.json) names); other files and versions that do not compare are
        not checked. Keeping a file in the repository without flashing it needs no opt-in.
    type: bool
    default: false
  wait:
    description:
      - Wait until the iLO has verified and stored (and, with I(update_target), flashed) the component.
      - Sections of a split component are always waited for, each before the next; C(false) only skips the wait after the last.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait with I(wait), from 1 to 86400 (one day).
      - Running out says what the module waited for, the last state and percent seen, and whether the iLO
        was in its reset.
    type: int
    default: 1800
attributes:
  check_mode:
    support: full
    description: Reports what would be uploaded or deleted, with sizes, and sends nothing.
  diff_mode:
    support: full
    description: Shows the repository entry before and after.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - The iLO accepts at most 32 MiB per upload request; larger files are split in sections automatically.
  - Before any byte is sent the module checks the free space of the repository and that the update service is not busy.
  - Each upload request is tagged (C(UploadCurrentEtag)) and counts as done only when the update service reports
    C(Complete) under that tag, so a C(Complete) left by an earlier operation is never taken for this one.
  - An upload request is never repeated blindly. When the connection breaks while a section is sent, the module reads
    the update service; a section the iLO did not take is sent once more, otherwise the task fails and a rerun starts again.
  - A locked component is neither replaced nor deleted; the error names the queued tasks and install sets that lock it.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Upload a Smart Component with its signature (found beside the file)
  fleetfw.ilo.component:
    path: /srv/firmware/cp056778.exe
  delegate_to: localhost

- name: Have the iLO download a component
  fleetfw.ilo.component:
    image_uri: https://repo.example.com/firmware/ilo5_305.bin
  delegate_to: localhost

- name: Have the iLO download a Smart Component split into two 32 MiB parts
  fleetfw.ilo.component:
    image_uri:
      - https://repo.example.com/firmware/cp045678.part1
      - https://repo.example.com/firmware/cp045678.part2
    compsig_uri:
      - https://repo.example.com/firmware/cp045678_part1.compsig
      - https://repo.example.com/firmware/cp045678_part2.compsig
    filename: cp045678.exe
  delegate_to: localhost

- name: Delete one component
  fleetfw.ilo.component:
    state: absent
    filename: cp045678.exe
  delegate_to: localhost

- name: Remove every component nothing uses
  fleetfw.ilo.component:
    state: absent
    all_unlocked: true
  delegate_to: localhost
'''

RETURN = r'''
component:
  description: The repository entry after the task (before it, with C(state=absent)).
  returned: when the component exists
  type: dict
  sample:
    id: 224c0cdf
    filename: ilo5_305.bin
    name: iLO 5
    version: "3.05"
    size_bytes: 33557060
    locked: false
    created: "2026-11-23T10:00:00Z"
    activates: AfterDeviceReset
    updatable_by: [Bmc]
    component_uri: /fwrepo/ilo5_305.bin
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: uploaded cp045678.exe (104857600 bytes in 4 sections)
actions:
  description: The uploads, downloads (C(AddFromUri)) and deletions made, or that would be made in check mode, with sizes.
  returned: always
  type: list
  elements: dict
  sample: [{action: upload, filename: cp045678.exe, size_bytes: 104857600, sections: 4, source: /srv/firmware/cp045678.exe}]
bytes_sent:
  description: Bytes of component data sent to the iLO (0 with I(image_uri), which the iLO downloads itself).
  returned: always
  type: int
  sample: 104857600
sections_sent:
  description: Upload (or C(AddFromUri)) requests the iLO accepted (one per 32 MiB section).
  returned: always
  type: int
  sample: 4
deleted:
  description: File names deleted (with C(state=absent)).
  returned: when I(state=absent)
  type: list
  elements: str
states:
  description: Update service states seen while waiting, with the time each was first seen.
  returned: when the module waited
  type: list
  elements: dict
  sample: [{state: Verifying, time: "2026-11-23T10:00:02Z"}, {state: Complete, time: "2026-11-23T10:00:05Z"}]
new_version:
  description:
    - The firmware the iLO reports after flashing its own firmware (I(update_target) with an iLO firmware file such as
      C(ilo5_310.bin)), read from the iLO, never taken from the file name.
    - The module waits after C(Complete) until the iLO reset itself and answers again, or reports the new version
      without a reset (some iLOs do not reset), then compares it with the version the file name carries.
  returned: when the module flashed the iLO's own firmware and waited
  type: str
  sample: iLO 5 v3.10
outcome:
  description:
    - C(unknown) when the task failed after the iLO accepted a write and cannot tell whether it took effect (the
      connection broke, I(wait_timeout) ran out, or I(path) changed after the iLO took a Section of it); C(changed)
      is then true. A failure before anything was sent reports C(changed=false) without I(outcome).
  returned: on failure, when the outcome is unknown
  type: str
  sample: unknown
ilo_reset:
  description: True when the iLO reset itself after flashing its own firmware and the module logged in again.
  returned: when the module flashed the iLO's own firmware, waited and the iLO reset
  type: bool
  sample: true
'''

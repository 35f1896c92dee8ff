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
      - Mutually exclusive with I(path).
    type: str
  compsig_uri:
    description: URL of the signature for I(image_uri). Not needed for files with an embedded signature.
    type: str
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
    description: Keep the component in the repository after the upload.
    type: bool
    default: true
  update_target:
    description: Flash the component right after the upload.
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
  wait:
    description: Wait until the iLO has verified and stored (and, with I(update_target), flashed) the component.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait with I(wait).
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
notes:
  - The iLO accepts at most 32 MiB per upload request; larger files are split in sections automatically.
  - Before any byte is sent the module checks the free space of the repository and that the update service is not busy.
author:
  - fleetfw.ilo contributors
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
bytes_sent:
  description: Bytes of component data sent to the iLO.
  returned: always
  type: int
  sample: 104857600
sections_sent:
  description: Upload requests sent (one per 32 MiB section).
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
'''

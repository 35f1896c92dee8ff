#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/firmware_rollout.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: firmware_rollout
short_description: Roll an HPE firmware baseline out to a batch of iLOs, in short rounds
version_added: 0.1.0
description:
  - Brings every iLO of I(ilos) to the firmware baseline of I(catalog), all of them at once, and returns after at most
    I(round_seconds) with each iLO's state, result and progress line. Call it again (C(run_once)) with the I(state) it
    returned until I(done), from a tasks file that includes itself as in EXAMPLES (an C(until) loop does not template the
    options again). No fork is held per iLO while the iLOs flash.
  - For each iLO, as far as it gets before the round ends, in order. B(plan) exactly as M(fleetfw.ilo.firmware_plan)
    plans (the plan's lines are in I(plans) on the call that planned). B(stage) each file the plan installs whose file
    name the iLO Repository lacks, one at a time; the iLO downloads C(<catalog_url>/<file>) (with
    C(<catalog_url>/<base>.compsig) when the catalog folder has that signature) when I(catalog_url) is given, else the
    local file is uploaded. B(install set) I(install_set_name) with one step per file in install order, created or
    updated only when it differs. B(invoke) the set, unless its tasks are queued already (in I(maintenance_window) when
    given, and the iLO then ends C(scheduled)). B(wait) for the tasks, the iLO's own reset after an iLO flash, the reboot
    (I(reboot)) and the activation of every planned item, which the plan read again must find at its target.
  - A host's failure (unreachable, bad credentials, a task that ends in C(Exception), a timeout) is that host's result
    with C(status=failed) and the reason, with the iLO's MessageId; the task fails only for bad options or a catalog it
    cannot read, before any request.
  - Every session the module opens is closed before it returns. Passwords and tokens never appear in the output.
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
options:
  ilos:
    description:
      - The iLOs of the batch, each with its connection options (the same meaning and checks as the common connection
        options of the other modules).
    type: list
    elements: dict
    required: true
    suboptions:
      host:
        description:
          - The inventory name of the server (C(inventory_hostname)); the key of I(state), I(host_results) and I(plans).
        type: str
        required: true
      baseuri:
        description:
          - The iLO address, C(host), C(host:port) or C(https://host[:port]), without credentials.
        type: str
        required: true
      username:
        description:
          - The iLO user; with I(password), unless I(auth_token) is given.
        type: str
      password:
        description:
          - The iLO user's password (C(no_log)).
        type: str
      auth_token:
        description:
          - A session token to use instead of I(username) and I(password) (C(no_log)); it cannot be renewed after the
            iLO resets itself, so a rollout that flashes iLO firmware wants I(username) and I(password).
        type: str
      ca_path:
        description:
          - A PEM file with the CA (or the self-signed certificate) that signed the iLO's certificate.
        type: path
      validate_certs:
        description:
          - Verify the iLO's TLS certificate.
        type: bool
        default: true
      allow_http:
        description:
          - Let I(baseuri) be C(http://) (test rigs and simulators only).
        type: bool
        default: false
      catalog_url:
        description:
          - This iLO's own I(catalog_url) (an empty string pushes the files to it); default the module's.
        type: str
      reboot:
        description:
          - This iLO's own I(reboot) policy; default the module's.
        type: str
        choices: [none, graceful, force, wait_external]
      allow_downgrade:
        description:
          - This iLO's own I(allow_downgrade); default the module's.
        type: bool
  catalog:
    description:
      - The catalog, on the host that runs the module, as M(fleetfw.ilo.firmware_plan) reads it (a C(fwrepo.json), an
        SPP C(manifest/manifest.json) or a folder). It is read before any request.
    type: path
    required: true
  catalog_url:
    description:
      - The C(http://) or C(https://) location the iLOs download the catalog's files from (C(<catalog_url>/<file name>)),
        so that no image byte passes through the controller. Empty, the files are uploaded from the catalog folder.
    type: str
    default: ""
  allow_downgrade:
    description:
      - Install a catalog version older than the running one.
    type: bool
    default: false
  install_set_name:
    description:
      - The install set that holds the baseline's steps (at most 64 characters).
    type: str
    default: fleetfw.ilo baseline
  install_set_description:
    description:
      - The install set's description (at most 64 characters).
    type: str
    default: ""
  maintenance_window:
    description:
      - Invoke the set in this maintenance window, created or updated as M(fleetfw.ilo.maintenance_window) does. The iLO
        then ends C(scheduled), not waited for. With I(reboot) C(graceful) or C(force) the set gets a C(ResetServer)
        step, so that the server restarts inside the window.
    type: dict
    suboptions:
      name:
        description:
          - The window's name.
        type: str
      start_after:
        description:
          - When the window opens (an iLO date-time, or relative to the iLO's clock such as C(+2h)); needed to create it.
        type: str
      expire:
        description:
          - When the window closes.
        type: str
      description:
        description:
          - The window's description.
        type: str
  stage:
    description:
      - Send the files the iLO Repository lacks. With C(false) they must be there already.
    type: bool
    default: true
  invoke:
    description:
      - Invoke the install set. With C(false) the rollout stops after staging and keeping the set.
    type: bool
    default: true
  wait:
    description:
      - Wait for the tasks, the reboot and the activation of every planned item. With C(false) an invoked iLO ends
        C(queued).
    type: bool
    default: true
  clear_task_queue:
    description:
      - Have the iLO clear its whole installation queue when the set is invoked.
    type: bool
    default: false
  reboot:
    description:
      - What activates at reboot (System ROM, Smart Components) is left pending (C(none), the iLO ends
        C(pending_reboot)), activated by restarting the server through C(ComputerSystem.Reset) C(GracefulRestart)
        (C(graceful)) or C(ForceRestart) (C(force)), or waited for while someone else restarts it (C(wait_external)).
    type: str
    choices: [none, graceful, force, wait_external]
    default: none
  poll_interval:
    description:
      - Seconds between two readings of one iLO.
    type: int
    default: 10
  round_seconds:
    description:
      - The call returns after at most this many seconds (an upload in progress is finished first), so that the play
        can show progress.
    type: int
    default: 30
  wait_timeout:
    description:
      - Seconds from the invocation after which an iLO that is not done fails.
    type: int
    default: 3600
  reboot_timeout:
    description:
      - Seconds to wait for the reboot to activate what activates at reboot.
    type: int
    default: 1800
  ilo_reset_timeout:
    description:
      - Seconds an iLO may stay dark (its own reset after an iLO flash) before it fails.
    type: int
    default: 600
  parallel:
    description:
      - How many iLOs the call works on at once. An iLO that pauses between two readings gives its place to another, so
        that every iLO of the batch is read in every round.
    type: int
    default: 100
  timeout:
    description:
      - The limit for one HTTP request, in seconds.
    type: int
    default: 30
  username:
    description:
      - The user name of every entry of I(ilos) that gives none (the C(module_defaults) of C(group/fleetfw.ilo.ilo)
        apply here). Falls back to C(ILO_USERNAME) in the environment.
    type: str
  password:
    description:
      - The password of every entry of I(ilos) that gives none (C(no_log)). Falls back to C(ILO_PASSWORD) in the environment.
    type: str
  ca_path:
    description:
      - The CA file of every entry of I(ilos) that gives none. Falls back to C(ILO_CA_PATH) in the environment.
    type: path
  validate_certs:
    description:
      - C(false) turns TLS certificate verification off for every iLO (an entry's own C(validate_certs=false) does so
        for that iLO).
    type: bool
    default: true
  allow_http:
    description:
      - C(true) lets every entry's I(baseuri) be C(http://) (test rigs only). Falls back to C(ILO_ALLOW_HTTP).
    type: bool
    default: false
  baseuri:
    description:
      - Accepted so that the C(module_defaults) of C(group/fleetfw.ilo.ilo) apply without error; not used (each iLO's
        address is its entry's C(baseuri)).
    type: str
  auth_token:
    description:
      - Accepted for the group's C(module_defaults) like I(baseuri) (C(no_log)); not used (a session token belongs to one iLO).
    type: str
  state:
    description:
      - The I(state) the previous call returned; empty on the first call.
    type: dict
  results_dir:
    description:
      - A directory on the host that runs the module, kept by the caller for the whole rollout of the batch. When
        given, each iLO's result of the call is written to C(<results_dir>/<host>.json) (the same dict as an entry of
        I(host_results)) and its state to C(<results_dir>/<host>.state.json); I(host_results) and I(state) are then
        returned empty and the next call reads the states back (no I(state) to pass). A play with many hosts reads
        each host's own file instead of templating the whole batch's result for every host (the
        C(fleetfw.ilo.firmware_baseline) role does).
    type: path
    default: ""
attributes:
  check_mode:
    support: full
    description: Plans only and writes nothing; components are C(planned) and each iLO's line says what would be staged.
  diff_mode:
    support: full
    description: Per host, the version of each item the plan installs before the rollout and after the call (the
      target and the item's result while it is not updated yet, and in check mode).
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Listed in C(group/fleetfw.ilo.ilo); its connection options are per iLO, under I(ilos).
notes:
  - A second call on a compliant fleet writes nothing and reports C(changed=false).
  - An iLO flash resets the iLO and ends its sessions; the module logs in again when it answers.
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
# rollout_round.yml: one round for the whole batch (run_once), its progress, then the next round.
# results_dir (made once, e.g. with ansible.builtin.tempfile) keeps each iLO's state and result
# between the rounds, so that the registered result stays small; an `until` loop would not do
# (Ansible templates a task's options once, not at every retry).
- name: Work on every iLO of the batch for a round
  fleetfw.ilo.firmware_rollout:
    ilos: "{{ ansible_play_batch | map('extract', hostvars, 'ilo') | list }}"
    username: "{{ ilo_username }}"          # for every entry of ilos that gives none
    password: "{{ ilo_password }}"
    catalog: /srv/spp/2025.09/
    catalog_url: http://repo.example.com/spp/2025.09
    reboot: graceful
    results_dir: "{{ rollout_dir.path }}"
  register: _rollout
  run_once: true
  delegate_to: localhost

- name: Show each iLO's progress
  ansible.builtin.debug:
    msg: "{{ _rollout.lines }}"
  run_once: true

- name: Next round
  ansible.builtin.include_tasks: rollout_round.yml
  when: not _rollout.done
  run_once: true

# In the play: `- ansible.builtin.include_tasks: rollout_round.yml`, with each host's `ilo`
# variable holding {host: <inventory_hostname>, baseuri}; then each host reads its result from
# "{{ rollout_dir.path }}/{{ inventory_hostname }}.json" (lookup('ansible.builtin.file') | from_json),
# and _rollout.result_lines words the whole batch.

- name: Plan only (check mode), one iLO with a session token
  fleetfw.ilo.firmware_rollout:
    ilos:
      - host: "{{ inventory_hostname }}"
        baseuri: "{{ ilo_address }}"
        auth_token: "{{ session.auth_token }}"
    catalog: /srv/spp/2025.09/fwrepo.json
  check_mode: true
  delegate_to: localhost
  register: plan

- name: Queue the baseline in tonight's maintenance window, restarting the server inside it
  fleetfw.ilo.firmware_rollout:
    ilos:
      - host: "{{ inventory_hostname }}"
        baseuri: "{{ ilo_address }}"
        username: "{{ ilo_username }}"
        password: "{{ ilo_password }}"
    catalog: /srv/spp/2025.09/
    maintenance_window:
      name: tonight
      start_after: "2025-10-01T22:00:00Z"
      expire: "2025-10-02T04:00:00Z"
    reboot: graceful
  delegate_to: localhost
'''

RETURN = r'''
done:
  description: Every iLO is finished (done, pending, scheduled or failed); call again with I(state) while false.
  returned: always
  type: bool
state:
  description: Each iLO's state (by host), to pass back as the I(state) option; plain data, no secret.
  returned: always
  type: dict
host_results:
  description:
    - Each iLO's result (by host), finished or not.
    - Not C(results), which Ansible keeps for loops.
  returned: always
  type: dict
  contains:
    host:
      description: The inventory name.
      type: str
    baseuri:
      description: The iLO address.
      type: str
    server:
      description: The server as planned (model, serial, ilo_generation, ilo_firmware).
      type: dict
    server_after:
      description: The server as the last plan read it.
      type: dict
    status:
      description: C(done) (every planned item verified, or nothing to do), C(pending) (an item pending a reboot, queued,
        scheduled or planned, or the iLO not finished yet) or C(failed).
      type: str
    phase:
      description: C(plan), C(stage), C(install_set), C(invoke), C(flashing), C(ilo_reset), C(activating), C(rebooting)
        while unfinished; C(done), C(pending_reboot), C(scheduled), C(queued), C(staged), C(planned) or C(failed) at the end.
      type: str
    reason:
      description: Why the iLO failed, with the iLO's MessageId when it gave one.
      type: str
    activated:
      description: The set was invoked, or nothing had to be installed.
      type: bool
    installed:
      description: How many items were updated and verified.
      type: int
    started:
      description: When the iLO was planned (UTC).
      type: str
    duration:
      description: Seconds since the iLO was planned.
      type: int
    components:
      description: One entry per FirmwareInventory item of the plan, in install order, with C(name), C(device_context),
        C(device_class), C(file), C(action), C(install), C(reboot_required), C(before), C(target), C(after), C(result)
        (C(current), C(updated), C(pending_reboot), C(queued), C(scheduled), C(planned), C(failed), C(skipped)),
        C(duration) (seconds from the invocation until the plan saw it at its target), C(reason) and C(line).
      type: list
      elements: dict
    files:
      description: The files the plan installs, in install order, as M(fleetfw.ilo.firmware_plan) returns them
        (C(file), C(version), C(bytes), C(order), C(reboot_required), C(resets_ilo), ...).
      type: list
      elements: dict
  sample:
    ilo1:
      host: ilo1
      baseuri: https://ilo1.example.com
      status: done
      phase: done
      reason: ""
      activated: true
      installed: 3
      started: "2025-10-01T22:00:05Z"
      duration: 912
lines:
  description: 'One progress line per iLO this call worked on, C(<host> round N, S s: <what>).'
  returned: always
  type: list
  elements: str
  sample:
    - "ilo3 round 4, 37 s: flashing: 1 of 3 tasks done, ilo6_171.bin InProgress; update service Updating 45%"
plans:
  description: Each iLO's plan as lines (a header, then one line per inventory item), for the iLOs planned by this call.
  returned: always
  type: dict
  sample:
    ilo1:
      - "ProLiant XL675d Gen10 Plus 2M2...: iLO 5 2.70: 3 file(s) to install"
      - "1. System ROM: A47 v2.58 (05/19/2022) -> 2.62_01-01-2023, upgrade A47_2.62_01_01_2023.signed.flash [reboot]"
result_lines:
  description:
    - Once every iLO is finished (I(done)), the batch in words for the play output - per iLO its status, duration and
      reason, then each item the plan installs or holds back with before -> after and its result; else empty.
  returned: always
  type: list
  elements: str
  sample:
    - "ilo1: done in 912 s"
    - "  System ROM (System Board): A47 v2.58 (05/19/2022) -> A47 v2.62 (01/01/2023), updated in 410 s"
summary:
  description: Counts of the iLOs, C(ilos), C(finished), by C(status) and by C(phase).
  returned: always
  type: dict
  sample:
    ilos: 3
    finished: 2
    status: {done: 2, pending: 1}
    phase: {done: 2, flashing: 1}
'''

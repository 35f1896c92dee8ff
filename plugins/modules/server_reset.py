#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: fleetfw.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Documentation only: the module itself is the Go binary plugins/modules/server_reset.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: server_reset
short_description: Restart the server an HPE iLO manages, so that firmware pending a reboot activates
version_added: 0.1.0
description:
  - Sends the Redfish action C(ComputerSystem.Reset) to the server (ComputerSystem) the iLO manages. Firmware the iLO
    flashed that activates at the next reboot (System ROM, Smart Components, many NIC and storage packages) activates then.
  - The system is found from the service root (its C(Systems) collection); the module uses no fixed path.
  - A reset is an action, not a state - every run that sends one reports C(changed); run it only when something is
    pending a reboot (M(fleetfw.ilo.firmware_rollout) restarts the server itself when its plan read again says so).
  - A reset type whose power state the server is already in (C(On) when it is on, C(ForceOff) or C(GracefulShutdown)
    when it is off) is not sent, and the task reports C(changed=false); a real iLO would refuse it with
    C(InvalidOperationForSystemState). Restarts and C(PushPowerButton) are always sent.
  - The module does not wait for the server to come back; wait on what the reboot should change (the firmware
    inventory) instead.
  - Works with iLO 5, iLO 6 and iLO 7. The module runs where the task runs, usually C(localhost).
extends_documentation_fragment:
  - fleetfw.ilo.ilo
options:
  reset_type:
    description:
      - The Redfish C(ResetType). C(GracefulRestart) asks the operating system to shut down, then restarts;
        C(ForceRestart) restarts at once. C(On), C(ForceOff), C(GracefulShutdown) and C(PushPowerButton) control power.
      - A type the system does not list in C(ResetType@Redfish.AllowableValues) is refused before any write, naming the allowed ones.
    type: str
    choices: [GracefulRestart, ForceRestart, "On", ForceOff, GracefulShutdown, PushPowerButton]
    default: GracefulRestart
  system_id:
    description: The C(Id) of the member of the Systems collection to reset; the first member when not given.
    type: str
  only_if_on:
    description: Send nothing when the server's C(PowerState) is not C(On) (a restart would power it on).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    description: Reads the system and reports the reset it would send; writes nothing.
  diff_mode:
    support: full
    description: Shows the power state before and the reset type sent.
  action_group:
    support: full
    membership: [fleetfw.ilo.ilo]
    description: Use C(group/fleetfw.ilo.ilo) in C(module_defaults) to set the connection options once for every module.
notes:
  - Needs the iLO privilege to control the server's power (Virtual Power and Reset).
author:
  - fleetfw.ilo contributors (@fleetfw)
'''

EXAMPLES = r'''
- name: Restart the server so that the new System ROM activates
  fleetfw.ilo.server_reset:
    baseuri: "{{ ilo_address }}"
    username: "{{ ilo_username }}"
    password: "{{ ilo_password }}"
    reset_type: GracefulRestart
    only_if_on: true
  delegate_to: localhost

- name: Restart at once, the operating system is not told
  fleetfw.ilo.server_reset:
    reset_type: ForceRestart
  delegate_to: localhost
'''

RETURN = r'''
msg:
  description: What the module did, or would do in check mode.
  returned: always
  type: str
  sample: sent GracefulRestart to /redfish/v1/Systems/1/ (PowerState was On)
system_uri:
  description: The ComputerSystem reset (or that would be).
  returned: always
  type: str
  sample: /redfish/v1/Systems/1/
power_state:
  description: Its C(PowerState) before the reset.
  returned: always
  type: str
  sample: "On"
reset_type:
  description: The C(ResetType) sent (or that would be, in check mode); empty when nothing was sent.
  returned: always
  type: str
  sample: GracefulRestart
allowed_reset_types:
  description: The system's C(ResetType@Redfish.AllowableValues).
  returned: always
  type: list
  elements: str
  sample: ["On", ForceOff, GracefulShutdown, ForceRestart, Nmi, PushPowerButton, GracefulRestart]
'''
